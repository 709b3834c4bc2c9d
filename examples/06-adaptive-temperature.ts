// 06 — the article's adaptive temperature T_e = T0 · decay^e. With its defaults (T0 = 1, decay 0.95)
// T falls below 1 at once: the targets get sharper, not softer, and the T²-scaled soft term fades.
// A schedule that starts hot (T0 = 4, decay 0.9) and has a floor (minTemp 1) does what was meant.
// Run: npx tsx examples/06-adaptive-temperature.ts
import { AdaptiveDistillationLoss, tensor } from 'kdgrad';

const seed = new AdaptiveDistillationLoss(); // initialTemp 1, tempDecay 0.95, minTemp 0
const unfloored = new AdaptiveDistillationLoss({ initialTemp: 4, tempDecay: 0.9 });
const floored = new AdaptiveDistillationLoss({ initialTemp: 4, tempDecay: 0.9, minTemp: 1 });
const s = tensor(
  [
    [2, 1, 0.5, -1],
    [0, 2, 1, 1],
  ],
  { dtype: 'float64' },
);
const t = tensor(
  [
    [4, 2, 0, -2],
    [1, 3, 2, -1],
  ],
  { dtype: 'float64' },
);
const y = [0, 1];

const softNorm = (loss: AdaptiveDistillationLoss, epoch: number) => {
  const st = s.detach().requiresGrad_();
  const parts = loss.parts(st, t, y, epoch);
  parts.softLoss.backward();
  return Math.sqrt(st.grad!.square().sum().item());
};
console.log('epoch | seed T  ‖∂(T²KL)/∂s‖ | T0=4,0.9  ‖…‖   | T0=4,0.9,floor 1  ‖…‖');
for (const e of [0, 1, 2, 5, 10, 13, 14, 20, 30, 50]) {
  const row = [seed, unfloored, floored].map(
    (l) => `${l.temperatureAt(e).toFixed(3).padStart(7)} ${softNorm(l, e).toFixed(4).padStart(8)}`,
  );
  console.log(`${String(e).padStart(5)} | ${row.join('  | ')}`);
}
const firstBelow = (l: AdaptiveDistillationLoss) =>
  Array.from({ length: 100 }, (_, e) => e).find((e) => l.temperatureAt(e) < 1);
console.log(
  `\nT drops below 1 at epoch ${firstBelow(seed)} with the article's defaults and at epoch ${firstBelow(unfloored)} for T0 = 4, decay 0.9;`,
);
const floor = firstBelow(floored);
console.log(
  `with minTemp: 1 ${floor === undefined ? 'it stays at or above 1 for 100 epochs' : `it drops below 1 at epoch ${floor}`}.`,
);

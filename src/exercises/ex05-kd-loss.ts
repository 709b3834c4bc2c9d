// 5. The full Hinton loss α·T²·KL + (1 − α)·CE as graph ops, the teacher detached; its gradient
// is α·T(q − p)/B + (1 − α)(softmax(s) − onehot(y))/B.
import fc from 'fast-check';
import type { Tensor } from '../autograd/tensor.js';
import { asTensor, call, expectClose, fn, forAll, pair, show } from './props.js';
import { PropertyFailure, type Exercise, type K, type LearnerModule } from './types.js';

type KdLoss = (s: Tensor, t: Tensor, y: number[], T: number, alpha: number) => unknown;
const settings = fc.record({
  T: fc.constantFrom(0.5, 2, 4),
  alpha: fc.constantFrom(0, 0.3, 0.9, 1),
});

function loss(k: K, m: LearnerModule, s: Tensor, t: Tensor, y: number[], T: number, a: number) {
  return asTensor(
    k,
    call('kdLoss', () => fn<KdLoss>(m, 'kdLoss')(s, t, y, T, a)),
    'kdLoss',
  );
}

export const exercise: Exercise = {
  n: 5,
  file: '05-kd-loss.ts',
  title: 'the full KD loss α·T²·KL + (1 − α)·CE',
  teaches:
    'α weights the soft term; the hard term uses the unscaled logits; the teacher is a constant',
  derivation: 'derivations.md#1-the-students-gradient',
  exports: ['kdLoss'],
  properties: [
    {
      name: 'its value equals α·T²·KL_batchmean + (1 − α)·CE',
      run: (k, m) =>
        forAll(
          fc.tuple(pair(4), settings),
          ([input, { T, alpha }]) => {
            const s = k.tensor(input.rows, { dtype: 'float64' });
            const t = k.tensor(input.t, { dtype: 'float64' });
            const got = loss(k, m, s, t, input.y, T, alpha);
            const want = k.distillationParts(s, t, input.y, { temperature: T, alpha }).loss.item();
            const v = got.numel() === 1 ? got.item() : NaN;
            const near = (x: number) => Math.abs(v - x) <= 1e-9 * Math.max(1, Math.abs(x));
            if (near(want)) return;
            const swapped = k
              .distillationParts(s, t, input.y, { temperature: T, alpha: 1 - alpha })
              .loss.item();
            const hint = near(swapped)
              ? 'α and 1 − α are swapped: α weights the soft (KL) term'
              : 'L = α · T² · KL_batchmean(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, y), CE on the unscaled logits';
            throw new PropertyFailure(
              'kdLoss value',
              show({
                studentLogits: input.rows,
                teacherLogits: input.t,
                labels: input.y,
                T,
                alpha,
              }),
              String(want),
              String(v),
              hint,
            );
          },
          40,
        ),
    },
    {
      name: 'its gradient is α·T(q − p)/B + (1 − α)(softmax(s) − onehot(y))/B',
      run: (k, m) =>
        forAll(
          fc.tuple(pair(4), settings),
          ([input, { T, alpha }]) => {
            const s = k.tensor(input.rows, { dtype: 'float64', requiresGrad: true });
            const t = k.tensor(input.t, { dtype: 'float64' });
            call('backward of kdLoss', () => loss(k, m, s, t, input.y, T, alpha).backward());
            const q = s.detach().div(T).softmax(1);
            const p = t.div(T).softmax(1);
            const onehot = k.tensor(
              input.y.map((c) => Array.from({ length: input.C }, (_, j) => (j === c ? 1 : 0))),
              { dtype: 'float64' },
            );
            const want = q
              .sub(p)
              .mul(alpha * T)
              .add(
                s
                  .detach()
                  .softmax(1)
                  .sub(onehot)
                  .mul(1 - alpha),
              )
              .div(input.B);
            const g = s.grad ?? k.zerosLike(want);
            expectClose(
              '∂kdLoss/∂s',
              { studentLogits: input.rows, teacherLogits: input.t, labels: input.y, T, alpha },
              g,
              want,
              1e-9,
              () =>
                s.grad
                  ? 'check the T² (the soft gradient is T(q − p)/B) and that CE sees s, not s/T'
                  : 'the loss does not depend on s: build it from s with tensor ops',
            );
          },
          40,
        ),
    },
    {
      name: 'the teacher gets no gradient (it is detached)',
      run: (k, m) =>
        forAll(
          pair(4),
          (input) => {
            const s = k.tensor(input.rows, { dtype: 'float64', requiresGrad: true });
            const t = k.tensor(input.t, { dtype: 'float64', requiresGrad: true });
            call('backward of kdLoss', () => loss(k, m, s, t, input.y, 4, 0.5).backward());
            if (t.grad)
              throw new PropertyFailure(
                'the teacher is detached',
                show({ teacherLogits: input.t }),
                'no gradient on the teacher logits',
                'a gradient (teacherLogits.grad is set after backward)',
                'use teacherLogits.detach() before the softmax: the teacher is a fixed target, not trained by this loss',
              );
          },
          20,
        ),
    },
  ],
};

// Each lesson's claim, checked on logits with known structure (the CLI runs them on real nets).
import { describe, expect, it } from 'vitest';
import { Generator, randn, tensor } from '../../src/index.js';
import {
  darkKnowledgeLesson,
  learnedTLesson,
  logitMatchingLesson,
  severalTeachersLesson,
  tSquaredLesson,
} from '../../src/learn/index.js';

const g = new Generator(4);
const student = randn([32, 10], { generator: g, dtype: 'float64' });
const teacher = randn([32, 10], { generator: g, dtype: 'float64' }).mul(4);
const labels = Array.from({ length: 32 }, (_, i) => i % 10);

describe('lessons', () => {
  it('t-squared: ‖∂KL/∂s‖ falls as 1/T² at high T but not at low T; T²-scaled it levels off', () => {
    const r = tSquaredLesson(student, teacher, labels);
    expect(r.highSlope).toBeCloseTo(-2, 1);
    expect(Math.abs(r.lowSlope + 2)).toBeGreaterThan(0.3);
    expect(r.scaledSpreadHigh).toBeLessThan(1.5);
    expect(r.conclusion).toMatch(
      /falls as T\^-2\.\d\d \(≈ 1\/T²\).* — the 1\/T² law holds only at high T/,
    );
  });

  it('t-squared: on low temperatures only the reading says the 1/T² regime is not reached', () => {
    const r = tSquaredLesson(student, teacher, labels, [0.1, 0.2, 0.3, 0.4]);
    expect(Math.abs(r.highSlope + 2)).toBeGreaterThan(0.15);
    expect(r.conclusion).toMatch(/do not reach the regime where the soft gradient falls as 1\/T²/);
    expect(r.conclusion).not.toMatch(/α means the same|holds only at high T/);
  });

  it('t-squared: when T² has not levelled the gradient over the upper temperatures, the reading says so', () => {
    // logits of spread ~40 with T = 2 in the upper half: 1/T² holds at 1000–2000, not from 2
    const temps = [0.5, 1, 2, 1000, 2000];
    const r = tSquaredLesson(student.mul(10), teacher.mul(10), labels, temps);
    expect(r.highSlope).toBeCloseTo(-2, 2);
    expect(r.scaledSpreadHigh).toBeGreaterThan(1.5);
    expect(r.conclusion).toMatch(/varies by ×\d+\.\d\d over T ≥ 2: T² does not yet level it/);
    expect(r.conclusion).not.toMatch(/α means the same/);
  });

  it('logit-matching: the error of (z_s − z_t)/(N·T²) falls like 1/T, to a few percent at T = 64', () => {
    const r = logitMatchingLesson(student, teacher);
    expect(r.slope).toBeGreaterThan(-1.15);
    expect(r.slope).toBeLessThan(-0.85);
    for (let i = 3; i < r.rows.length; i++)
      expect(r.rows[i]!.relativeError).toBeLessThan(r.rows[i - 1]!.relativeError);
    expect(r.rows.at(-1)!.relativeError).toBeLessThan(0.1);
    // the approximation is for centred logits: shifting every logit changes nothing
    const shifted = logitMatchingLesson(student.add(5), teacher.sub(3));
    expect(shifted.rows.map((x) => x.relativeError)).toEqual(
      r.rows.map((x) => expect.closeTo(x.relativeError, 10)),
    );
  });

  it("dark-knowledge: finds the teacher's similar classes, and T raises their probability", () => {
    // a teacher that confuses class 0 with 1 and 2 with 3, both ways
    const names = ['cat', 'dog', 'car', 'truck', 'ship'];
    const rows: number[][] = [];
    const ys: number[] = [];
    const second: Record<number, number> = { 0: 1, 1: 0, 2: 3, 3: 2, 4: 0 };
    for (let i = 0; i < 50; i++) {
      const c = i % 5;
      rows.push(names.map((_, k) => (k === c ? 6 : k === second[c] ? 3 : 0)));
      ys.push(c);
    }
    const r = darkKnowledgeLesson(tensor(rows, { dtype: 'float64' }), ys, names);
    expect(r.rows.map((x) => x.nearest)).toEqual(['dog', 'cat', 'truck', 'car', 'cat']);
    expect(r.mutual).toEqual([
      ['cat', 'dog'],
      ['car', 'truck'],
    ]);
    for (const x of r.rows) expect(x.probability['T=4']!).toBeGreaterThan(x.probability['T=1']!);
    expect(r.conclusion).toMatch(
      /^2 pairs of classes name each other as nearest \(cat ↔ dog, car ↔ truck\)/,
    );
    expect(r.conclusion).toMatch(/the teacher finds some classes alike/);
    // T flattens the wrong-class ratios and raises their mass; the reading says so
    const [lo, hi] = [r.ratios[0]!, r.ratios[1]!];
    expect(hi.wrongMass).toBeGreaterThan(lo.wrongMass);
    expect(hi.largestOverSmallest).toBeLessThan(lo.largestOverSmallest);
    expect(r.correct).toBe(50);
    expect(r.conclusion).toMatch(/flattens their ratios and gives them more mass/);
  });

  it('dark-knowledge: a teacher with near-uniform logits has no structure, and the reading says so', () => {
    const names = ['cat', 'dog', 'car', 'truck', 'ship'];
    const ys = Array.from({ length: 200 }, (_, i) => i % 5);
    const z = randn([200, 5], { generator: new Generator(1), dtype: 'float64' }).mul(0.01);
    const r = darkKnowledgeLesson(z, ys, names);
    expect(r.structure).toBeCloseTo(1, 1);
    expect(r.conclusion).toMatch(/^The teacher singles out no wrong class/);
    expect(r.conclusion).not.toMatch(/alike|flattens their ratios/);
    expect(r.conclusion).toMatch(/by less than 10%/);
  });

  it('dark-knowledge: a teacher that is always wrong leaves the ratios unmeasured', () => {
    const names = ['cat', 'dog', 'car', 'truck'];
    const ys = Array.from({ length: 40 }, (_, i) => i % 4);
    const rows = ys.map((c) => names.map((_, k) => (k === (c + 1) % 4 ? 5 : k === c ? 2 : 0)));
    const r = darkKnowledgeLesson(tensor(rows, { dtype: 'float64' }), ys, names);
    expect(r.correct).toBe(0);
    expect(r.conclusion).toMatch(/No test image is classified correctly/);
    expect(r.conclusion).not.toMatch(/NaN/);
  });
});

describe('dark knowledge on too few images', () => {
  const names = ['cat', 'dog', 'car', 'truck', 'bird'];
  const logits = (ys: number[]) =>
    tensor(
      ys.map((c) => names.map((_, k) => (k === c ? 6 : k === (c + 1) % 5 ? 3 : 0))),
      { dtype: 'float64' },
    );
  it('classes without images are left out and named, never NaN', () => {
    const ys = [0, 1, 0, 1];
    const r = darkKnowledgeLesson(logits(ys), ys, names);
    expect(r.rows.map((x) => x.cls)).toEqual(['cat', 'dog']);
    expect(r.rows.map((x) => x.images)).toEqual([2, 2]);
    expect(r.missing).toEqual(['car', 'truck', 'bird']);
    expect(r.conclusion).not.toMatch(/NaN/);
    expect(r.conclusion).toMatch(/3 classes without images left out: car, truck, bird/);
  });
  it('one class with images is inconclusive', () => {
    const ys = [2, 2, 2];
    const r = darkKnowledgeLesson(logits(ys), ys, names);
    expect(r.conclusion).toMatch(/^Inconclusive: 1 of 5 classes have images among the 3 used/);
  });
});

describe('learned-t', () => {
  it('dL/dT equals its closed form; descent on T runs up without T² and down with it', () => {
    const r = learnedTLesson(student, teacher, labels);
    for (const row of r.rows) expect(row.closedFormError).toBeLessThan(1e-10);
    // KL falls as T grows at every T; T²·KL rises at low T
    for (const row of r.rows) expect(row.dKLdT).toBeLessThan(0);
    expect(r.rows[0]!.dSoftdT).toBeGreaterThan(0);
    const [plain, scaled] = r.descent;
    expect(plain!.scaled).toBe(false);
    expect(plain!.path.at(-1)!.T).toBeGreaterThan(4 * 5);
    expect(scaled!.path.at(-1)!.T).toBeLessThan(4 / 5);
    for (const d of r.descent) {
      for (let i = 1; i < d.path.length; i++)
        expect(d.path[i]!.loss).toBeLessThan(d.path[i - 1]!.loss);
    }
    expect(r.conclusion).toMatch(
      /KL: T up from 4 to [\d.]+.*T²·KL: T down from 4 to 0\.\d+.* opposite ways/,
    );
  });
});

describe('several-teachers', () => {
  it('compares the probability and logit averages: entropy, disagreement, KL and accuracy, computed right', () => {
    // teacher A is sure of the true class, B is sure of the next one: they disagree on every image
    const ys = Array.from({ length: 20 }, (_, i) => i % 4);
    const A = tensor(
      ys.map((y) => [0, 1, 2, 3].map((c) => (c === y ? 6 : 0))),
      { dtype: 'float64' },
    );
    const B = tensor(
      ys.map((y) => [0, 1, 2, 3].map((c) => (c === (y + 1) % 4 ? 5 : 0))),
      { dtype: 'float64' },
    );
    const r = severalTeachersLesson([A, B], ys, ['A', 'B'], [1, 4]);
    expect(r.teachers).toEqual([
      { name: 'A', accuracy: 1 },
      { name: 'B', accuracy: 0 },
    ]);
    // by hand at T = 1: p̄ = (softmax(A) + softmax(B)) / 2 and softmax((A + B) / 2) per row
    const sm = (z: number[]) => {
      const e = z.map(Math.exp);
      const s = e.reduce((a, b) => a + b);
      return e.map((v) => v / s);
    };
    const zA = [6, 0, 0, 0];
    const zB = [0, 5, 0, 0];
    const pbar = sm(zA).map((v, c) => (v + sm(zB)[c]!) / 2);
    const q = sm(zA.map((v, c) => (v + zB[c]!) / 2));
    const H = (p: number[]) => -p.reduce((h, v) => h + v * Math.log(v), 0);
    const row = r.rows[0]!;
    expect(row.probs.entropy).toBeCloseTo(H(pbar), 12);
    expect(row.logits.entropy).toBeCloseTo(H(q), 12);
    expect(row.kl).toBeCloseTo(
      pbar.reduce((s, v, c) => s + v * Math.log(v / q[c]!), 0),
      12,
    );
    expect(row.probs.top).toBeCloseTo(Math.max(...pbar), 12);
    // both averages favour A's class (6 > 5): every image right, the two targets agree
    expect([row.probs.accuracy, row.logits.accuracy, row.disagree]).toEqual([1, 1, 0]);
    // which average is softer depends on the teachers; here the logit average (6 and 5 blend)
    expect(H(q)).toBeGreaterThan(H(pbar));
    expect(r.conclusion).toMatch(/^At T = 1 the logit average is the softer target/);
    expect(() => severalTeachersLesson([A], ys, ['A'])).toThrow(/at least 2 teachers/);
  });
});

describe('a student equal to its teacher (up to a shift) is inconclusive, never a law', () => {
  const t = randn([8, 5], { generator: new Generator(1), dtype: 'float64' });
  const y = [0, 1, 2, 3, 4, 0, 1, 2];
  it.each([
    ['t-squared', () => tSquaredLesson(t, t, y).conclusion],
    ['logit-matching', () => logitMatchingLesson(t, t.add(3)).conclusion],
    ['learned-t', () => learnedTLesson(t, t, y, { steps: 8 }).conclusion],
  ])('%s', (_, conclusion) => {
    expect(conclusion()).toMatch(/^Inconclusive: the student's logits equal the teacher's/);
  });

  it('logit-matching on low temperatures only does not claim the limit', () => {
    const r = logitMatchingLesson(student, teacher, [0.5, 1, 2]);
    expect(r.conclusion).toMatch(/not yet logit matching/);
  });
});

// Reference solution of exercise 10.
import { F, optim, type Tensor, type nn } from 'kdgrad';

export interface DistilOptions {
  student: nn.Module & { forward(x: Tensor): Tensor };
  x: Tensor;
  labels: number[];
  teacherLogits: Tensor;
  T: number;
  alpha: number;
  steps: number;
  lr: number;
}

export function distil(o: DistilOptions): void {
  const { student, x, labels, T, alpha } = o;
  const p = o.teacherLogits.detach().div(T).softmax(1);
  const opt = new optim.Adam(student.parameters(), { lr: o.lr });
  for (let i = 0; i < o.steps; i++) {
    opt.zeroGrad();
    const z = student.forward(x);
    const logQ = z.div(T).logSoftmax(1);
    const soft = p
      .mul(p.log().sub(logQ))
      .sum()
      .div(x.shape[0]!)
      .mul(T * T);
    const hard = F.crossEntropy(z.narrow(0, 0, labels.length), labels);
    soft
      .mul(alpha)
      .add(hard.mul(1 - alpha))
      .backward();
    opt.step();
  }
}

// Reference solution of exercise 4.
import type { Tensor } from 'kdgrad';

export function softTargets(teacherLogits: Tensor, T: number): Tensor {
  return teacherLogits.div(T).softmax(1);
}

export function softLoss(studentLogits: Tensor, teacherLogits: Tensor, T: number): Tensor {
  const p = softTargets(teacherLogits.detach(), T);
  const logQ = studentLogits.div(T).logSoftmax(1);
  return p
    .mul(p.log().sub(logQ))
    .sum()
    .div(studentLogits.shape[0]!)
    .mul(T * T);
}

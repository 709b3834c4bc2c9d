// Planted mistake for exercise 5: the teacher is not detached.
import { F, type Tensor } from 'kdgrad';

export function kdLoss(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: number[],
  T: number,
  alpha: number,
): Tensor {
  const p = teacherLogits.div(T).softmax(1); // planted: the teacher is not detached
  const logQ = studentLogits.div(T).logSoftmax(1);
  const kl = p.mul(p.log().sub(logQ)).sum().div(studentLogits.shape[0]!);
  return kl.mul(alpha * T * T).add(F.crossEntropy(studentLogits, labels).mul(1 - alpha));
}

// Planted mistake for exercise 7: the temperature has no floor.
import type { Tensor } from 'kdgrad';

export function temperatureAt(epoch: number, T0: number, decay: number, minTemp: number): number {
  void minTemp; // planted: no floor
  return T0 * decay ** epoch;
}

export function averagedTargets(
  teacherLogits: Tensor[],
  T: number,
  average: 'probs' | 'logits',
): Tensor {
  const K = teacherLogits.length;
  if (average === 'probs')
    return teacherLogits
      .map((t) => t.div(T).softmax(1))
      .reduce((a, b) => a.add(b))
      .div(K);
  return teacherLogits
    .reduce((a, b) => a.add(b))
    .div(K)
    .div(T)
    .softmax(1);
}

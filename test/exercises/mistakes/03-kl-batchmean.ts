// Planted mistake for exercise 3: the batch is summed, not averaged.
import type { Tensor } from 'kdgrad';

export function klDivBatchmean(studentLogProbs: Tensor, teacherProbs: Tensor): Tensor {
  const p = teacherProbs;
  return p.mul(p.log().sub(studentLogProbs)).sum(); // planted: summed, not batchmean
}

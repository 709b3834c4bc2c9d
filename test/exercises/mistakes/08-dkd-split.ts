// Planted mistake for exercise 8: NCKD compares the full softmaxes instead of the non-target ones.
import { cat, tensor, type Tensor } from 'kdgrad';

/** log b = [log b_y, log(1 − b_y)] per row, and the log-softmax over the other classes. */
function split(z: Tensor, labels: number[], T: number) {
  const C = z.shape[1]!;
  const u = z.div(T);
  const lse = u.logsumexp(1, true);
  const mask = tensor(
    labels.map((y) => Array.from({ length: C }, (_, c) => (c === y ? 1 : 0))),
    {
      dtype: z.dtype,
    },
  );
  // the target logit, and the others with the target pushed to −∞ (well below every logit)
  const target = u.mul(mask).sum(1, true);
  const others = u.sub(mask.mul(1e30));
  const logB = cat([target.sub(lse), others.logsumexp(1, true).sub(lse)], 1);
  const logHat = others.logSoftmax(1);
  return { logB, logHat, mask };
}

export function dkdSplit(
  studentLogits: Tensor,
  teacherLogits: Tensor,
  labels: number[],
  T: number,
): { tckd: Tensor; nckd: Tensor } {
  const B = studentLogits.shape[0]!;
  const s = split(studentLogits, labels, T);
  const t = split(teacherLogits.detach(), labels, T);
  const kl = (logP: Tensor, logQ: Tensor, keep: Tensor | null) => {
    const terms = logP.exp().mul(logP.sub(logQ));
    return (keep ? terms.mul(keep) : terms).sum().div(B);
  };
  const notTarget = t.mask.neg().add(1);
  // planted: NCKD over every class, not renormalised without the target
  void notTarget;
  return {
    tckd: kl(t.logB, s.logB, null),
    nckd: kl(teacherLogits.detach().div(T).logSoftmax(1), studentLogits.div(T).logSoftmax(1), null),
  };
}

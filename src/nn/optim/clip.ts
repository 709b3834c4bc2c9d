// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_):
//   total = ‖(g_1, ..., g_n)‖_p;  if total > maxNorm: g_i ← g_i · maxNorm / (total + 1e-6)
import type { Tensor } from '../../autograd/tensor.js';

export function clipGradNorm(
  params: Iterable<Tensor>,
  maxNorm: number,
  opts: { normType?: number; errorIfNonfinite?: boolean } = {},
): number {
  const p = opts.normType ?? 2;
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (!(p > 0)) throw new RangeError(`clipGradNorm: normType must be > 0 or Infinity, got ${p}`);
  const grads = [...params].map((t) => t.grad).filter((g): g is Tensor => g !== null);
  let total = 0;
  for (const g of grads) {
    const d = g.storage.contiguous().data;
    for (let i = 0; i < d.length; i++) {
      const a = Math.abs(d[i]!);
      total = p === Infinity ? Math.max(total, a) : total + a ** p;
    }
  }
  if (p !== Infinity) total = total ** (1 / p);
  if (!Number.isFinite(total) && opts.errorIfNonfinite) {
    throw new RangeError(
      `clipGradNorm: the total gradient norm is ${total}; gradients cannot be clipped`,
    );
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const g of grads) {
      const d = g.storage.data; // grads accumulated by the engine own their storage
      for (let i = 0; i < d.length; i++) d[i] = d[i]! * coef;
    }
  }
  return total;
}

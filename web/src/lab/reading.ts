// The lab's live reading: what one run shows at this step, chosen by the numbers.

/**
 * Distilled against the twin trained from labels on `n` test items: ahead, behind, or level when
 * they differ by less than one item; one run says nothing about the spread across seeds.
 */
export function readLive(
  step: number,
  scratch: number,
  distilled: number,
  n: number,
  what: string,
): string {
  const d = distilled - scratch;
  const pts = (100 * Math.abs(d)).toFixed(1);
  const where = `on the ${n} ${what}`;
  const body =
    Math.abs(d) < 1 / n
      ? `the distilled student is level with its twin trained from labels ${where}`
      : d > 0
        ? `the distilled student is ahead of its twin trained from labels by ${pts} points ${where}`
        : `the distilled student is behind its twin trained from labels by ${pts} points ${where}`;
  return `At step ${step} ${body} (one run: the spread across seeds is not known from it).`;
}

/** Slope of log y against log x between two points (the exponent of a power law through them). */
export const slope = (x0: number, y0: number, x1: number, y1: number): number =>
  Math.log(y1 / y0) / Math.log(x1 / x0);

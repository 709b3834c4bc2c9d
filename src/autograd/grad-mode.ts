// Global grad mode: inside noGrad(fn) no graph is recorded (as torch.no_grad).
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    const out = fn();
    if (out instanceof Promise) {
      throw new TypeError(
        'noGrad/enableGrad: fn must be synchronous (an async fn would leave grad mode switched for other code)',
      );
    }
    return out;
  } finally {
    enabled = prev;
  }
}

/** Runs fn without recording the graph; results do not require grad. */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs fn with recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}

/** Turns recording on or off until changed again (prefer noGrad(fn)). */
export function setGradEnabled(mode: boolean): void {
  enabled = mode;
}

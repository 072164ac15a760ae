/**
 * Coalesces many updates into one per animation frame: `request()` as often as events arrive,
 * `flush` runs once before the next paint (or after ~16 ms where there are no animation frames).
 */
export interface FrameBatch {
  /** Asks for a flush before the next frame (once, however often it is asked). */
  request(): void;
  /** Flushes now, cancelling the pending frame. */
  flushNow(): void;
  /** Drops a pending flush. */
  cancel(): void;
}

export function frameBatch(flush: () => void): FrameBatch {
  let raf: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    cancel();
    flush();
  };
  function cancel(): void {
    if (raf !== null && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(raf);
    if (timer !== null) clearTimeout(timer);
    raf = null;
    timer = null;
  }
  return {
    request() {
      if (raf !== null || timer !== null) return;
      if (typeof requestAnimationFrame === 'function') {
        raf = requestAnimationFrame(run);
        // A hidden page gets no animation frames; flush anyway, less often.
        timer = setTimeout(run, 250);
      } else timer = setTimeout(run, 16);
    },
    flushNow() {
      cancel();
      flush();
    },
    cancel,
  };
}

/** How generators let the event loop run (cancel requests, other clients) between their steps. */

/** Lets the event loop run (cancel requests, other clients) when it is due; a generator awaits it between steps. */
export type Breather = () => Promise<void>;

/** The next turn of the event loop: `setImmediate` where there is one (no 1 ms clamp as `setTimeout(0)` has in Node). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** Yields to the event loop when `ms` have passed since the last time. */
export function createBreather(ms = 15): Breather {
  let last = performance.now();
  return async () => {
    if (performance.now() - last > ms) {
      await nextTurn();
      last = performance.now();
    }
  };
}

/** For a caller that yields to the event loop itself (the race, outside its lanes' clocks). */
export const noBreathing: Breather = () => Promise.resolve();

// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.

/** Spins before sleeping at a barrier: short waits are the common case (both threads busy). */
const SPIN: i32 = 20000;
/**
 * A word the thread pool sets when a task failed on some thread (see threads.ts ABORT_BYTE):
 * barriers then stop waiting, so the other threads finish (with garbage) instead of hanging.
 */
const ABORT: usize = 2048;

/**
 * Sense-free barrier for `n` threads on two i32 words at `bar` (count, generation), which the
 * caller zeroes before the threads start. Spins briefly, then sleeps (memory.atomic.wait32).
 */
export function barrier(bar: usize, n: i32): void {
  if (n <= 1) return;
  const gen = atomic.load<i32>(bar, 4);
  if (atomic.add<i32>(bar, 1) == n - 1) {
    atomic.store<i32>(bar, 0);
    atomic.store<i32>(bar, gen + 1, 4);
    atomic.notify(bar + 4, n);
    return;
  }
  let spins = 0;
  while (atomic.load<i32>(bar, 4) == gen) {
    if (atomic.load<i32>(ABORT) != 0) return;
    if (++spins > SPIN) {
      atomic.wait<i32>(bar + 4, gen, 1000000); // 1 ms, then look again
      spins = 0;
    }
  }
}

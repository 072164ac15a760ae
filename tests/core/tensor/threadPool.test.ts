import { describe, expect, it } from 'vitest';
import { privateKernels } from '../../../core/tensor/wasm/module.ts';
import { ThreadPool } from '../../../core/tensor/wasm/threads.ts';

// The pool's guard against threads that do not pay: when its workers keep the caller waiting,
// it stays on one thread for a while (threads.ts, ThreadPool.parallelism).

describe.skipIf(privateKernels(1) === null)('thread pool', () => {
  it('stays on one thread when its workers keep even a tiny run of the caller waiting', () => {
    const n = 320;
    const k = privateKernels(3 * n * n * 4 + 2 ** 20)!; // the matrices and the GEMM's scratch
    const pool = new ThreadPool(k, 2);
    try {
      pool.warmUp();
      const a = k.allocF32(n * n);
      const b = k.allocF32(n * n);
      const c = k.allocF32(n * n);
      const work = k.alloc((k.exports.gemmWorkBytes as () => number)());
      // The caller's share takes no time; the worker's is a 320³ product (about a millisecond), so
      // the caller waits far longer than its own share, as when a worker is descheduled.
      const tiny = { fn: 'sourceHash', args: [] };
      const slow = { fn: 'gemm', args: [a, n, 1, b, n, 1, c, n, 0, n, 0, n, n, 0, 0, 0, work] };
      expect(pool.parallelism()).toBe(2);
      let runs = 0;
      while (pool.parallelism() > 1 && runs < 10) {
        pool.run([tiny, slow]);
        runs++;
      }
      expect(pool.parallelism()).toBe(1);
      // A worker's first call of a function does not count, then three such runs are enough.
      expect(runs).toBeLessThanOrEqual(5);
    } finally {
      pool.dispose();
    }
  });
});


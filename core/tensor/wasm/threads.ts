/**
 * Worker threads that run exported kernel functions on the kernels' shared memory, so a big
 * product can use every core. The calling thread is always one of the compute threads: it hands
 * each worker a task, runs its own share, then waits for the workers.
 *
 * A worker spins briefly after each task before it sleeps (Atomics.wait), so back-to-back calls
 * (a training step's GEMMs) cost well under a microsecond to hand over, while an idle worker
 * costs nothing. Node-only (worker_threads); workers are unref'd and never keep a process alive.
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import type { WasmKernels } from './module.ts';

/** Control words (Int32) per worker, from CONTROL_BYTE in the memory's reserved low area. */
const CONTROL_BYTE = 4096;
/** Set when a task fails on any thread: barriers in the kernels stop waiting (sync.ts ABORT). */
const ABORT_BYTE = 2048;
const SLOT_INTS = 128; // 512 bytes a worker: 16 control words, then up to 32 f64 arguments
const GEN = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const FAILED = 4;
const ARGS_INT_OFFSET = 16; // f64 args start 64 bytes into the slot
const MAX_ARGS = 32;
/** Spins (Atomics.load polls) a worker makes before it sleeps. */
const WORKER_SPIN = 200_000;
/** Spins the caller makes before it sleeps while waiting for a worker. */
const CALLER_SPIN = 2_000_000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, base, names, spin } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const fns = names.map((n) => instance.exports[n]);
const I = new Int32Array(memory.buffer, 0, (base + ${SLOT_INTS}));
// (word ${ABORT_BYTE / 4}: the abort flag, below the control slots)
const F = new Float64Array(memory.buffer, (base + ${ARGS_INT_OFFSET}) * 4, ${MAX_ARGS});
let seen = 0;
for (;;) {
  let n = 0;
  while (Atomics.load(I, base + ${GEN}) === seen) {
    if (++n > spin) { Atomics.wait(I, base + ${GEN}, seen); n = 0; }
  }
  seen = Atomics.load(I, base + ${GEN});
  const id = I[base + ${FN}];
  if (id < 0) break;
  const argc = I[base + ${ARGC}];
  let failed = 0;
  try {
    const f = fns[id];
    switch (argc) {
      default: f(...Array.from(F.subarray(0, argc)));
    }
  } catch (e) {
    failed = 1;
    Atomics.store(I, ${ABORT_BYTE / 4}, 1);
  }
  I[base + ${FAILED}] = failed;
  Atomics.store(I, base + ${DONE}, seen);
  Atomics.notify(I, base + ${DONE});
}
`;

export interface Task {
  /** An exported kernel function. */
  fn: string;
  args: readonly number[];
}

/** Threaded runs whose own share took less than this (ms) do not count toward the lag. */
const MIN_MEASURED_MS = 0.3;
/** When the workers lag their own share by more than this on average, threads stop paying. */
const LAG_LIMIT = 0.75;
/** How long to stay on one thread before trying threads again (ms). */
const BACKOFF_MS = 1000;
/** One slow hand-over (a worker descheduled once) counts at most this much. */
const MAX_SAMPLE = 3;

export class ThreadPool {
  private readonly workers: Worker[] = [];
  /** Moving average of (time waiting for the workers) / (time of the caller's own share). */
  private lag = 0;
  private samples = 0;
  private singleUntil = 0;
  /**
   * Function names each worker has run: a worker's first call of a function includes its start-up
   * and the engine's lazy compilation, so it does not count toward the lag.
   */
  private readonly warm = new Map<number, Set<string>>();
  private readonly names: string[];
  private readonly ids = new Map<string, number>();
  private readonly i32: Int32Array;
  private readonly f64: Float64Array[] = [];
  private generation = 0;

  /** `threads`: compute threads in all, the caller included (1 = no workers). */
  constructor(
    private readonly kernels: WasmKernels,
    readonly threads: number,
  ) {
    this.names = Object.keys(kernels.exports).filter((n) => typeof kernels.exports[n] === 'function');
    this.names.forEach((n, i) => this.ids.set(n, i));
    this.i32 = new Int32Array(kernels.memory.buffer, 0, CONTROL_BYTE / 4 + threads * SLOT_INTS);
    for (let w = 1; w < threads; w++) {
      const base = this.base(w);
      this.i32.fill(0, base, base + SLOT_INTS);
      this.f64.push(new Float64Array(kernels.memory.buffer, (base + ARGS_INT_OFFSET) * 4, MAX_ARGS));
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: kernels.module, memory: kernels.memory, base, names: this.names, spin: WORKER_SPIN },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Threads worth splitting work across now. A worker's share should finish about when the
   * caller's does; when workers keep finishing much later (other processes hold the cores, so
   * every hand-over waits for the scheduler), splitting costs more than it saves: then 1 for a
   * few seconds, and threads are tried again.
   */
  parallelism(): number {
    if (this.threads <= 1 || this.workers.length === 0) return 1;
    return performance.now() >= this.singleUntil ? this.threads : 1;
  }

  /** The current lag estimate and whether threads are in use (for the bench's report). */
  get state(): { lag: number; threaded: boolean } {
    return { lag: this.lag, threaded: this.parallelism() > 1 };
  }

  private base(worker: number): number {
    return CONTROL_BYTE / 4 + worker * SLOT_INTS;
  }

  private call(task: Task): void {
    const f = this.kernels.exports[task.fn] as (...args: number[]) => unknown;
    f(...task.args);
  }

  /** Starts every worker now (each instantiates the module), so no real task pays for it. */
  warmUp(): void {
    if (this.workers.length === 0) return;
    this.run(Array.from({ length: this.threads }, () => ({ fn: 'sourceHash', args: [] })));
  }

  /**
   * Runs tasks[0] on this thread and tasks[i] on worker i, and returns when all are done.
   * Fewer tasks than threads leave the other workers idle.
   */
  run(tasks: readonly Task[]): void {
    if (tasks.length === 0) return;
    const n = Math.min(tasks.length, this.threads);
    if (n === 1 || this.workers.length === 0) {
      for (const t of tasks) this.call(t);
      return;
    }
    if (tasks.length > this.threads) throw new Error(`${tasks.length} tasks for ${this.threads} threads`);
    const gen = ++this.generation;
    const I = this.i32;
    Atomics.store(I, ABORT_BYTE / 4, 0);
    for (let w = 1; w < n; w++) {
      const task = tasks[w]!;
      const id = this.ids.get(task.fn);
      if (id === undefined) throw new Error(`no kernel function '${task.fn}'`);
      if (task.args.length > MAX_ARGS) throw new Error(`too many arguments for '${task.fn}'`);
      const base = this.base(w);
      I[base + FN] = id;
      I[base + ARGC] = task.args.length;
      this.f64[w - 1]!.set(task.args);
      Atomics.store(I, base + GEN, gen);
      Atomics.notify(I, base + GEN);
    }
    let error: unknown = null;
    const t0 = performance.now();
    try {
      this.call(tasks[0]!);
    } catch (e) {
      error = e;
      Atomics.store(I, ABORT_BYTE / 4, 1);
    }
    const t1 = performance.now();
    let failed = false;
    let allWarm = true;
    for (let w = 1; w < n; w++) {
      if (!this.warm.get(w)?.has(tasks[w]!.fn)) allWarm = false;
      const base = this.base(w);
      let spins = 0;
      while (Atomics.load(I, base + DONE) !== gen) {
        if (++spins > CALLER_SPIN) {
          Atomics.wait(I, base + DONE, Atomics.load(I, base + DONE), 50);
          spins = 0;
        }
      }
      if (I[base + FAILED] !== 0) failed = true;
      let ran = this.warm.get(w);
      if (!ran) this.warm.set(w, (ran = new Set()));
      ran.add(tasks[w]!.fn);
    }
    const own = t1 - t0;
    if (own >= MIN_MEASURED_MS && allWarm) {
      const wait = performance.now() - t1;
      this.lag = 0.8 * this.lag + 0.2 * Math.min(MAX_SAMPLE, wait / own);
      this.samples++;
      if (this.lag > LAG_LIMIT && this.samples >= 3) {
        this.singleUntil = performance.now() + BACKOFF_MS;
        this.lag = 0;
        this.samples = 0;
      }
    }
    if (error) throw error;
    if (failed) throw new Error('a kernel failed on a worker thread');
  }

  dispose(): void {
    const I = this.i32;
    this.workers.forEach((worker, i) => {
      const base = this.base(i + 1);
      I[base + FN] = -1;
      Atomics.store(I, base + GEN, ++this.generation);
      Atomics.notify(I, base + GEN);
      void worker.terminate();
    });
    this.workers.length = 0;
  }
}

/** Threads to compute with: $ARS_THREADS, else every hardware thread up to 4. */
export function defaultThreadCount(): number {
  const env = Number.parseInt(process.env.ARS_THREADS ?? '', 10);
  if (Number.isFinite(env) && env >= 1) return Math.min(env, 16);
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cpus, 4));
}

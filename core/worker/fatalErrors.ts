/**
 * Errors that leave TensorFlow.js's backend unusable. A WebAssembly abort (`Aborted()`, a
 * `RuntimeError: unreachable` or `out of bounds memory`) corrupts the wasm heap: every later op
 * in this process may fail or, worse, compute garbage. The worker does not try to carry on: it
 * reports the error to its clients and exits with FATAL_EXIT_CODE, and its supervisor (the
 * Electron host or `ars serve`) starts a fresh one. The run that was training is left
 * 'interrupted' and resumes from its last checkpoint.
 */

/** The exit code of a worker that stopped because its backend became unusable. */
export const FATAL_EXIT_CODE = 70;

/** Error code of the job events and responses that report such an error. */
export const BACKEND_FATAL = 'BACKEND_FATAL';

const FATAL_MESSAGE = /^Aborted\(|\bunreachable\b|out of bounds memory|memory access out of bounds|Cannot enlarge memory|Out of memory|RangeError: WebAssembly\.Memory/i;

/** Whether `err` means the backend can no longer be trusted. */
export function isFatalBackendError(err: unknown): boolean {
  if (typeof WebAssembly !== 'undefined' && err instanceof WebAssembly.RuntimeError) return true;
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return FATAL_MESSAGE.test(message);
}

type FatalListener = (error: { code: string; message: string }) => void;

const listeners = new Set<FatalListener>();
let reported = false;

/**
 * Reports a fatal backend error to whoever runs this worker (childEntry, utilityEntry): they tell
 * the clients and exit with FATAL_EXIT_CODE. Once per process; with no listener (tests, the CLI)
 * nothing happens beyond the error itself.
 */
export function reportFatalBackendError(err: unknown): void {
  if (reported) return;
  reported = true;
  const message = err instanceof Error ? err.message : String(err);
  for (const l of listeners) l({ code: BACKEND_FATAL, message: `the compute backend failed (${message}); the worker restarts` });
}

/** Listens for reportFatalBackendError; returns a function that stops listening. */
export function onFatalBackendError(listener: FatalListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * A test hook: with `ARS_TEST_ABORT_AT_STEP=N` in the environment, training throws a
 * WebAssembly.RuntimeError, as an abort would, right after saving its checkpoint at step N (so a
 * resumed run, continuing from N, goes past it). Never set outside tests.
 */
export function injectedAbort(step: number, env: NodeJS.ProcessEnv = process.env): void {
  const at = Number(env.ARS_TEST_ABORT_AT_STEP);
  if (env.ARS_TEST_ABORT_AT_STEP !== undefined && Number.isInteger(at) && step === at) throw new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info. (injected by ARS_TEST_ABORT_AT_STEP)');
}

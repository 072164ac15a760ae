import { freemem, totalmem } from 'node:os';
import { MemoryBudgetError } from '../errors.ts';
import { describeRunModel, type RunModelConfig } from '../models/config.ts';
import { estimateJobMemory, formatBytes, type JobShape } from '../train/memoryBudget.ts';

/** The WebAssembly heap cannot grow past 4 GiB (32-bit addresses). */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** The share of the machine's memory one job may take. */
const MACHINE_SHARE = 0.6;

/**
 * How many bytes one job may use on `backend`: a share of the machine's memory (of what is free,
 * but never less than a quarter of the total: the OS counts its caches as used), and on the wasm
 * backend no more than the WebAssembly heap. `ARS_MEMORY_LIMIT_BYTES` lowers it (tests, shared machines).
 */
export function memoryLimit(backend: string, env: NodeJS.ProcessEnv = process.env): { bytes: number; why: string } {
  const total = totalmem();
  const machine = MACHINE_SHARE * Math.max(freemem(), 0.25 * total);
  let limit = { bytes: machine, why: `${Math.round(MACHINE_SHARE * 100)}% of this machine's available memory` };
  if (backend === 'wasm' && WASM_HEAP_BYTES < limit.bytes) limit = { bytes: WASM_HEAP_BYTES, why: 'the WebAssembly heap of the wasm backend' };
  const override = Number(env.ARS_MEMORY_LIMIT_BYTES);
  if (Number.isFinite(override) && override > 0 && override < limit.bytes) limit = { bytes: override, why: 'the limit set by ARS_MEMORY_LIMIT_BYTES' };
  return limit;
}

/**
 * Refuses a job whose estimated memory (core/train/memoryBudget.ts) exceeds memoryLimit, with a
 * MemoryBudgetError naming both figures and what to make smaller. Call it before anything is
 * allocated or written.
 */
export function checkMemoryBudget(model: RunModelConfig, shape: JobShape, backend: string, env: NodeJS.ProcessEnv = process.env): void {
  const estimate = estimateJobMemory(model, shape);
  const limit = memoryLimit(backend, env);
  if (estimate.totalBytes <= limit.bytes) return;
  const what = shape.mode === 'train' ? `Training ${describeRunModel(model)} at batch ${shape.batch}` : `Sampling ${describeRunModel(model)}`;
  const seq = shape.mode === 'train' && model.family !== 'pixelcnn' ? ` and sequence ${shape.seq}` : '';
  const smaller = shape.mode === 'train' ? 'a smaller batch, sequence or model' : 'fewer samples or a shorter length';
  throw new MemoryBudgetError(
    `${what}${seq} would need about ${formatBytes(estimate.totalBytes)} ` +
      `(${formatBytes(estimate.stateBytes)} of weights and optimiser state, ${formatBytes(estimate.activationBytes)} of activations), ` +
      `more than the ${formatBytes(limit.bytes)} allowed (${limit.why}) on the ${backend} backend: choose ${smaller}`,
  );
}

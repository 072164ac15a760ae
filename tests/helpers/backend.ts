import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../core/tensor/backend.ts';

/** The backend the app itself would pick (wasm with the project's kernels here). */
export async function useAppBackend(): Promise<string> {
  const info = await initBackend();
  await tf.ready();
  return info.backend;
}

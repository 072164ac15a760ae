/** The backend ladder's names and aliases: pure, so a front end can check a name without loading TensorFlow.js. */

/**
 * The ladder, best first. The names are the values `prefer` / `ARS_BACKEND` accept, besides
 * 'auto' (the whole ladder, no preference).
 */
export const BACKEND_LADDER = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_LADDER)[number];

const ALIASES: Record<string, BackendName> = {
  'tensorflow-gpu': 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  cuda: 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** `prefer` value for the default ladder. */
export const AUTO = 'auto';

/** Resolves a rung name or alias; null when unknown. */
export function parseBackendName(name: string): BackendName | null {
  return ALIASES[name.trim().toLowerCase()] ?? null;
}

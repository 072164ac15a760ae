import type { RunStore } from '../runs/runStore.ts';

/**
 * Runs the rest of a training start after its run folder was created; if that fails (the model
 * cannot be built, the backend fails) the folder is deleted again, so a failed start leaves no
 * empty run behind, and the error is passed on.
 */
export async function removeRunIfStartFails<T>(store: RunStore, runId: string, rest: () => T | Promise<T>): Promise<T> {
  try {
    return await rest();
  } catch (err) {
    await store.delete(runId).catch(() => undefined);
    throw err;
  }
}

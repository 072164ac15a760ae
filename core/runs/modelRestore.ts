import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.ts';
import { readableOnHost } from '../tensor/hostCopy.ts';
import type { AdamOptimizer } from '../train/adam.ts';
import { MODEL_PREFIX, type OwnedModel, type WeightedModel } from './checkpointContents.ts';
import type { LoadedCheckpoint } from './checkpointStore.ts';
import type { RunHandle } from './runStore.ts';

/** Copies checkpoint tensors into the model's variables; missing or mis-shaped ones raise CheckpointError (and nothing is copied). */
export function restoreWeights(model: WeightedModel, tensors: tf.NamedTensorMap): void {
  for (const [name, variable] of model.weights) {
    const t = tensors[MODEL_PREFIX + name];
    if (!t) throw new CheckpointError(`the checkpoint has no weight "${name}": it was saved by a different model`);
    if (!tf.util.arraysEqual(t.shape, variable.shape)) {
      throw new CheckpointError(`the checkpoint's weight "${name}" has shape [${t.shape}] but the model expects [${variable.shape}]`);
    }
  }
  for (const [name, variable] of model.weights) variable.assign(tensors[MODEL_PREFIX + name]!);
}

/** Whether a checkpoint holds optimiser state; a weights-only one (a starter run's) does not. */
export function hasOptimizerState(tensors: tf.NamedTensorMap): boolean {
  return Object.keys(tensors).some((name) => name.startsWith('adam/'));
}

/**
 * Puts a run's model and optimiser back where `checkpoint` left them, to train on. A checkpoint
 * that does not fit raises CheckpointError saying so, and the model and optimiser are disposed.
 * A weights-only checkpoint (no `adam/` tensors: the starter runs ship so, at a third of the
 * size) restores the weights and leaves the optimiser fresh. The checkpoint's tensors are
 * disposed either way.
 */
export function restoreTraining(model: OwnedModel, optimizer: AdamOptimizer, checkpoint: LoadedCheckpoint, runId: string): void {
  try {
    restoreWeights(model, checkpoint.tensors);
    if (hasOptimizerState(checkpoint.tensors)) optimizer.importState(checkpoint.tensors, Number(checkpoint.metadata.optimizerStep ?? checkpoint.step));
  } catch (err) {
    model.dispose();
    optimizer.dispose();
    throw err instanceof CheckpointError ? err : new CheckpointError(`the checkpoint at step ${checkpoint.step} does not fit run ${runId}: ${(err as Error).message}`);
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
}

/**
 * The run's newest good checkpoint loaded into a model from `build`, its weights readable on
 * the host (for the CPU decoders where they live on a GPU). CheckpointError where there is none;
 * a newer damaged checkpoint passed over gives a notice.
 */
export async function loadTrainedModel<M extends OwnedModel>(run: RunHandle, build: () => M): Promise<{ model: M; checkpointStep: number; notices: string[] }> {
  const { checkpoint, skipped } = await run.checkpoints.loadLatest();
  if (!checkpoint) {
    const why = skipped.length ? ` (its checkpoints are damaged: ${skipped[0]!.reason})` : ': train it first';
    throw new CheckpointError(`run ${run.id} has no checkpoint to sample from${why}`);
  }
  let model: M | null = null;
  try {
    model = build();
    restoreWeights(model, checkpoint.tensors);
    await readableOnHost(model.weights.values());
  } catch (err) {
    model?.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
  const notices = skipped.map((s) => `Using run ${run.id} at step ${checkpoint.step}: the newer checkpoint at step ${s.step} is damaged (${s.reason})`);
  return { model, checkpointStep: checkpoint.step, notices };
}

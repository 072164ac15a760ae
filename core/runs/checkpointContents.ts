import type * as tf from '@tensorflow/tfjs';
import type { RunModelConfig } from '../models/config.ts';
import type { AdamOptimizer } from '../train/adam.ts';
import type { CheckpointMetadata } from './checkpointStore.ts';
import type { RunHandle } from './runStore.ts';

/** Where a model's weights live in a checkpoint: `model/<weight name>` (the optimiser's are `adam/…`). */
export const MODEL_PREFIX = 'model/';

/** What a checkpoint is made of: a model's named weights (every family, text or PixelCNN, has them). */
export interface WeightedModel {
  readonly weights: ReadonlyMap<string, tf.Variable>;
}

/** A model that owns its weights and frees them. */
export interface OwnedModel extends WeightedModel {
  dispose(): void;
}

/**
 * What a training checkpoint holds, for every model family: the model's weights under
 * `model/`, the Adam moments under `adam/m/` and `adam/v/`, and as metadata the training step,
 * the optimiser's own step count and the model family. The tensors are the live variables
 * (not copies): save them before the next training step.
 */
export function trainingCheckpoint(
  model: WeightedModel,
  optimizer: AdamOptimizer,
  family: RunModelConfig['family'],
  step: number,
): { tensors: tf.NamedTensorMap; metadata: CheckpointMetadata } {
  const { tensors, step: optimizerStep } = optimizer.exportState();
  const all: tf.NamedTensorMap = { ...tensors };
  for (const [name, v] of model.weights) all[MODEL_PREFIX + name] = v;
  return { tensors: all, metadata: { step, optimizerStep, model: family } };
}

/** Saves a training checkpoint of `run` at `step` and records it in run.json. */
export async function saveTrainingCheckpoint(run: RunHandle, model: WeightedModel, optimizer: AdamOptimizer, step: number): Promise<void> {
  const { tensors, metadata } = trainingCheckpoint(model, optimizer, run.meta.model.family, step);
  await run.checkpoints.save(tensors, metadata);
  await run.update({ checkpointStep: step });
}

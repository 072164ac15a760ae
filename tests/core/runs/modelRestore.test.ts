import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../../../core/errors.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { MODEL_PREFIX } from '../../../core/runs/checkpointContents.ts';
import { restoreTraining, restoreWeights } from '../../../core/runs/modelRestore.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const config = { family: 'rnn', cell: 'gru', vocabSize: 7, embedding: 4, hidden: 8, layers: 1 } as const;

/** The model's weights as a checkpoint holds them (copies). */
function weightTensors(model: RnnModel): tf.NamedTensorMap {
  return Object.fromEntries([...model.weights].map(([name, v]) => [MODEL_PREFIX + name, v.clone()]));
}

describe('model restore', () => {
  it('copies a checkpoint into a model', () => {
    const a = new RnnModel(config, 1);
    const b = new RnnModel(config, 2);
    const tensors = weightTensors(a);
    restoreWeights(b, tensors);
    for (const [name, v] of a.weights) expect(b.weights.get(name)!.dataSync()).toEqual(v.dataSync());
    tf.dispose(Object.values(tensors));
    a.dispose();
    b.dispose();
  });

  it('refuses a checkpoint with a missing or mis-shaped weight, and changes nothing', () => {
    const model = new RnnModel(config, 1);
    const other = new RnnModel(config, 2); // different weights: a partial copy would show
    const before = [...model.weights.values()].map((v) => v.dataSync().slice());
    const names = [...model.weights.keys()];
    const last = names.at(-1)!;
    const missing = weightTensors(other);
    tf.dispose(missing[MODEL_PREFIX + last]!);
    delete missing[MODEL_PREFIX + last];
    expect(() => restoreWeights(model, missing)).toThrow(CheckpointError);
    expect(() => restoreWeights(model, missing)).toThrow(`the checkpoint has no weight "${last}": it was saved by a different model`);
    const misshaped = weightTensors(other);
    tf.dispose(misshaped[MODEL_PREFIX + last]!);
    misshaped[MODEL_PREFIX + last] = tf.zeros([3, 3]);
    expect(() => restoreWeights(model, misshaped)).toThrow(new RegExp(`weight "${last}" has shape \\[3,3\\] but the model expects`));
    expect([...model.weights.values()].map((v) => v.dataSync().slice())).toEqual(before);
    tf.dispose([...Object.values(missing), ...Object.values(misshaped)]);
    model.dispose();
    other.dispose();
  });

  it('a checkpoint whose optimiser state does not fit is a CheckpointError; model, optimiser and checkpoint are freed', () => {
    const model = new RnnModel(config, 1);
    const optimizer = new AdamOptimizer(model.weights);
    // Weights and one Adam moment, the rest of the optimiser state missing.
    const [firstName, firstWeight] = [...model.weights.entries()][0]!;
    const tensors: Record<string, tf.Tensor> = { ...weightTensors(model), [`adam/m/${firstName}`]: tf.zerosLike(firstWeight) };
    const before = tf.memory().numTensors;
    expect(() => restoreTraining(model, optimizer, { step: 30, metadata: { step: 30 }, tensors }, 'run-x')).toThrow(
      /the checkpoint at step 30 does not fit run run-x: optimizer state adam\/.* is missing/,
    );
    // The checkpoint's tensors, the model's weights and the optimiser's moments are all gone.
    expect(tf.memory().numTensors).toBe(before - Object.keys(tensors).length - 3 * model.weights.size);
    expect(Object.values(tensors).every((t) => t.isDisposed)).toBe(true);
  });

  it('a weights-only checkpoint (a starter run) resumes with the weights and a fresh optimiser', () => {
    const source = new RnnModel(config, 2);
    const model = new RnnModel(config, 1);
    const optimizer = new AdamOptimizer(model.weights);
    const tensors = weightTensors(source); // weights, no Adam moments at all
    restoreTraining(model, optimizer, { step: 30, metadata: { step: 30 }, tensors }, 'run-x');
    expect([...model.weights.values()].map((v) => v.dataSync().slice())).toEqual([...source.weights.values()].map((v) => v.dataSync().slice()));
    expect(Object.values(tensors).every((t) => t.isDisposed)).toBe(true);
    const state = optimizer.exportState();
    expect(Object.values(state.tensors).every((t) => t.dataSync().every((x) => x === 0))).toBe(true);
    model.dispose();
    source.dispose();
    optimizer.dispose();
  });
});

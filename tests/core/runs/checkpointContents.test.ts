import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RnnModel } from '../../../core/models/rnn.ts';
import { MODEL_PREFIX, saveTrainingCheckpoint, trainingCheckpoint } from '../../../core/runs/checkpointContents.ts';
import { restoreTraining } from '../../../core/runs/modelRestore.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const config = { family: 'rnn', cell: 'gru', vocabSize: 7, embedding: 4, hidden: 8, layers: 1 } as const;

/** One Adam step on a made-up gradient, so the moments and the step count are not the initial ones. */
function stepOnce(model: RnnModel, optimizer: AdamOptimizer): void {
  const grads = Object.fromEntries([...model.weights].map(([name, v]) => [name, tf.onesLike(v)]));
  optimizer.apply(grads, 0.01);
  tf.dispose(Object.values(grads));
}

describe('checkpoint contents', () => {
  it('a training checkpoint holds every weight under model/, the Adam moments, and the steps and family', () => {
    const model = new RnnModel(config, 1);
    const optimizer = new AdamOptimizer(model.weights);
    stepOnce(model, optimizer);
    const { tensors, metadata } = trainingCheckpoint(model, optimizer, 'rnn', 40);
    const names = Object.keys(tensors);
    for (const name of model.weights.keys()) {
      expect(tensors[MODEL_PREFIX + name]).toBe(model.weights.get(name));
      expect(names).toContain(`adam/m/${name}`);
      expect(names).toContain(`adam/v/${name}`);
    }
    expect(names).toHaveLength(3 * model.weights.size);
    expect(metadata).toEqual({ step: 40, optimizerStep: 1, model: 'rnn' });
    optimizer.dispose();
    model.dispose();
  });

  it('saved with a run and restored, a model and its optimiser continue exactly where they stopped', async () => {
    const store = new RunStore(mkdtempSync(join(tmpdir(), 'ars-contents-')));
    const run = await store.create({
      name: 'contents',
      dataset: 'none',
      corpusText: 'abcdefg',
      meta: { state: 'created', step: 0, totalSteps: 10, config: {}, model: config, vocab: [], backend: 'cpu', versions: {}, checkpointStep: null, lastTrainLoss: null, lastValLoss: null, pid: null, error: null },
    });
    const a = new RnnModel(config, 1);
    const optA = new AdamOptimizer(a.weights);
    stepOnce(a, optA);
    stepOnce(a, optA);
    await saveTrainingCheckpoint(run, a, optA, 2);
    expect(run.meta.checkpointStep).toBe(2);

    const b = new RnnModel(config, 2);
    const optB = new AdamOptimizer(b.weights);
    const { checkpoint } = await run.checkpoints.loadLatest();
    restoreTraining(b, optB, checkpoint!, run.id);
    expect(optB.stepCount).toBe(2);
    // One more identical step on each: the same weights, so the moments came back too.
    stepOnce(a, optA);
    stepOnce(b, optB);
    for (const [name, v] of a.weights) expect(b.weights.get(name)!.dataSync()).toEqual(v.dataSync());
    for (const x of [optA, optB, a, b]) x.dispose();
  });
});

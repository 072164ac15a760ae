import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaskPredictConfig, RnnConfig, TransformerConfig } from '../../../core/models/config.ts';
import { MaskPredictModel, maskBatch } from '../../../core/models/maskPredict.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { TransformerModel } from '../../../core/models/transformer.ts';
import { createRng } from '../../../core/rng.ts';
import { setKernelsEnabled } from '../../../core/tensor/projectKernels.ts';
import { projectKernelsActive } from '../../../core/tensor/wasmKernelRegistry.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { expectClose, randInt } from './fusedHelpers.ts';

// Whole models, the project's kernels on and off: the same loss and the same gradient for every
// weight (within 1e-4), so training follows the same path whichever runs.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  expect(projectKernelsActive()).toBe(true);
});

function lossAndGrads(weights: ReadonlyMap<string, tf.Variable>, loss: () => tf.Scalar, kernels: boolean): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  setKernelsEnabled(kernels);
  try {
    const names = [...weights.keys()];
    const vars = names.map((n) => weights.get(n)!);
    const { value, grads } = tf.variableGrads(loss, vars);
    return { value, grads: new Map(names.map((n, i) => [n, grads[vars[i]!.name]!])) };
  } finally {
    setKernelsEnabled(true);
  }
}

function compareModel(label: string, weights: ReadonlyMap<string, tf.Variable>, loss: () => tf.Scalar): void {
  const on = lossAndGrads(weights, loss, true);
  const off = lossAndGrads(weights, loss, false);
  expectClose(on.value, off.value, `${label} loss`);
  for (const [name, g] of off.grads) expectClose(on.grads.get(name)!, g, `${label} d/d${name}`);
  tf.dispose([on.value, off.value, ...on.grads.values(), ...off.grads.values()]);
}

describe('whole models, kernels on vs off', () => {
  it('causal Transformer: loss and every gradient', () => {
    const model = new TransformerModel(TransformerConfig.parse({ family: 'transformer', vocabSize: 23, dModel: 32, heads: 4, layers: 2, ffn: 64, context: 16 }), 3);
    const ids = randInt([5, 16], 23, 1) as tf.Tensor2D;
    const targets = randInt([5, 16], 23, 2) as tf.Tensor2D;
    compareModel('transformer', model.weights, () => model.loss(ids, targets, true));
    model.dispose();
  });

  it('mask-predict Transformer: masked-LM loss and every gradient', () => {
    const model = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', vocabSize: 19, dModel: 24, heads: 3, layers: 2, ffn: 40, context: 20 }), 4);
    const ids = randInt([6, 20], 19, 3);
    const m = maskBatch(ids.dataSync() as Int32Array, 6, 20, model.maskId, createRng(5));
    compareModel('maskPredict', model.weights, () => model.maskedLoss(m, true));
    model.dispose();
  });

  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    it(`${cell}, 2 layers: loss and every gradient`, () => {
      const model = new RnnModel(RnnConfig.parse({ family: 'rnn', cell, vocabSize: 17, embedding: 12, hidden: 40, layers: 2 }), 5);
      const ids = randInt([6, 9], 17, 7) as tf.Tensor2D;
      const targets = randInt([6, 9], 17, 8) as tf.Tensor2D;
      compareModel(cell, model.weights, () => model.loss(ids, targets));
      model.dispose();
    });
  }
});

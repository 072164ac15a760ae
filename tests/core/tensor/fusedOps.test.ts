import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectKernelsActive } from '../../../core/tensor/wasmKernelRegistry.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { causalMask, selfAttention, selfAttentionReference } from '../../../core/tensor/ops/attention.ts';
import { softmaxCrossEntropy, softmaxCrossEntropyReference } from '../../../core/tensor/ops/crossEntropy.ts';
import { biasGelu, geluReference } from '../../../core/tensor/ops/gelu.ts';
import { layerNorm, layerNormReference } from '../../../core/tensor/ops/layerNorm.ts';
import { rnnSequence, rnnSequenceReference } from '../../../core/tensor/ops/rnn.ts';
import { RNN_GATES } from '../../../core/tensor/rnnCell.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { clipByGlobalNorm } from '../../../core/train/clipping.ts';
import { compareOp, expectClose, pick, randInt, randn, random } from './fusedHelpers.ts';

// Every fused kernel against the plain tfjs ops it replaces: values and gradients within 1e-4,
// on random shapes (the threaded paths included: some shapes are big enough to split).

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm' });
  expect(info.backend).toBe('wasm');
  expect(projectKernelsActive(), 'the project kernels are built (npm run build:wasm) and registered').toBe(true);
});

describe('LayerNorm', () => {
  const next = random(1);
  const shapes: number[][] = [[3, 8], [2, 5, 7], [64, 128], [4, 64, 128], [1, 1], [600, 129]];
  for (let i = 0; i < 4; i++) shapes.push([pick(next, 1, 40), pick(next, 1, 9), pick(next, 1, 70)]);
  for (const [n, shape] of shapes.entries()) {
    it(`[${shape}]`, () => {
      const D = shape.at(-1)!;
      const x = randn(shape, 10 + n, 3);
      const g = randn([D], 20 + n);
      const b = randn([D], 30 + n);
      compareOp(`layerNorm [${shape}]`, [x, g, b], (x, g, b) => layerNorm(x!, g!, b!), (x, g, b) => layerNormReference(x!, g!, b!));
    });
  }
});

describe('bias + GELU', () => {
  const next = random(2);
  const shapes: number[][] = [[5, 4], [3, 7, 9], [2048, 64], [2, 1]];
  for (let i = 0; i < 4; i++) shapes.push([pick(next, 1, 50), pick(next, 1, 130)]);
  for (const [n, shape] of shapes.entries()) {
    it(`[${shape}]`, () => {
      const x = randn(shape, 40 + n, 4);
      const b = randn([shape.at(-1)!], 50 + n);
      compareOp(`biasGelu [${shape}]`, [x, b], (x, b) => biasGelu(x!, b!), (x, b) => geluReference(tf.add(x!, b!)));
    });
  }
});

describe('self-attention', () => {
  const next = random(3);
  const cases: [number, number, number, number][] = [
    [2, 5, 2, 4],
    [1, 1, 1, 8],
    [3, 16, 4, 32],
    [32, 64, 4, 128],
  ];
  for (let i = 0; i < 4; i++) {
    const H = pick(next, 1, 4);
    cases.push([pick(next, 1, 4), pick(next, 1, 20), H, H * pick(next, 1, 9)]);
  }
  for (const [n, [B, T, H, D]] of cases.entries()) {
    for (const causal of [true, false]) {
      it(`B ${B}, T ${T}, ${H} heads, D ${D}, ${causal ? 'causal' : 'bidirectional'}`, () => {
        const qkv = randn([B, T, 3 * D], 60 + n, 2);
        compareOp(
          `attention ${B}/${T}/${H}/${D}`,
          [qkv],
          (q) => selfAttention(q as tf.Tensor3D, H, causal),
          (q) => selfAttentionReference(q as tf.Tensor3D, H, causal ? causalMask(T, T) : null),
        );
      });
    }
  }
});

describe('softmax cross-entropy', () => {
  const next = random(4);
  const cases: [number[], number][] = [[[7], 5], [[4, 9], 96], [[32, 64], 96], [[3], 2]];
  for (let i = 0; i < 3; i++) cases.push([[pick(next, 1, 30), pick(next, 1, 10)], pick(next, 2, 120)]);
  for (const [n, [shape, V]] of cases.entries()) {
    it(`[${shape}] × ${V}, mean and weighted`, () => {
      const logits = randn([...shape, V], 70 + n, 5);
      const targets = randInt(shape, V, 80 + n);
      const weights = tf.tidy(() => tf.cast(tf.greater(randn(shape, 90 + n), 0), 'float32'));
      compareOp(`ce [${shape}]`, [logits], (z) => softmaxCrossEntropy(z!, targets), (z) => softmaxCrossEntropyReference(z!, targets));
      compareOp(`weighted ce [${shape}]`, [logits], (z) => softmaxCrossEntropy(z!, targets, weights), (z) => softmaxCrossEntropyReference(z!, targets, weights));
    });
  }
  it('an all-zero weight gives zero loss and gradient, as the reference', () => {
    const logits = randn([4, 6], 1);
    const targets = randInt([4], 6, 2);
    const w = tf.zeros([4]);
    compareOp('zero weights', [logits], (z) => softmaxCrossEntropy(z!, targets, w), (z) => softmaxCrossEntropyReference(z!, targets, w));
  });
});

describe('Adam step with global-norm clipping', () => {
  for (const clip of [0.5, 1e6]) {
    it(`matches clipByGlobalNorm + AdamOptimizer.apply (clip ${clip}) over several steps`, () => {
      const shapes = [[96, 128], [128, 1024], [1024], [7], [300, 301]];
      const make = (tag: string) => new Map(shapes.map((s, i) => [`w${i}`, tf.variable(randn(s, 100 + i), true, `adam-${tag}-${clip}-${i}`)]));
      const fusedParams = make('fused');
      const refParams = make('ref');
      const fused = new AdamOptimizer(fusedParams);
      const ref = new AdamOptimizer(refParams);
      for (let step = 0; step < 3; step++) {
        const grads: Record<string, tf.Tensor> = {};
        shapes.forEach((s, i) => (grads[`w${i}`] = randn(s, 200 + 10 * step + i, 0.3)));
        const norm = fused.step(grads, 0.01, clip);
        const clipped = clipByGlobalNorm(grads, clip);
        ref.apply(clipped.grads, 0.01);
        expectClose(norm, clipped.norm, 'norm');
        tf.dispose([norm, clipped.norm, ...Object.values(clipped.grads), ...Object.values(grads)]);
      }
      for (const [name, p] of fusedParams) expectClose(p, refParams.get(name)!, `param ${name}`);
      const a = fused.exportState().tensors;
      const b = ref.exportState().tensors;
      for (const key of Object.keys(b)) expectClose(a[key]!, b[key]!, key);
      expect(fused.stepCount).toBe(3);
      fused.dispose();
      ref.dispose();
      for (const v of [...fusedParams.values(), ...refParams.values()]) v.dispose();
    });
  }
});

describe('bookkeeping', () => {
  it('fused ops leave no tensors behind (forward and backward)', () => {
    const qkv = randn([2, 8, 24], 1);
    const g = randn([8], 2);
    const b = randn([8], 3);
    const targets = randInt([2, 8], 8, 4);
    const gv = tf.variable(g, true, 'leak-g');
    const before = tf.memory().numTensors;
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(() => {
        const att = selfAttention(qkv as tf.Tensor3D, 2, true);
        const h = biasGelu(layerNorm(att, gv, b), b);
        return softmaxCrossEntropy(h, targets);
      }, [gv]),
    );
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors - before).toBe(0);
    gv.dispose();
  });
});

describe('whole-sequence recurrent layers', () => {
  const next = random(5);
  const cases: [number, number, number][] = [
    [2, 3, 5],
    [32, 8, 64],
    [4, 6, 37],
    [3, 1, 16],
    [16, 10, 256],
  ];
  for (let i = 0; i < 3; i++) cases.push([pick(next, 1, 9), pick(next, 1, 12), pick(next, 1, 70)]);
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    for (const [n, [B, T, H]] of cases.entries()) {
      it(`${cell}: B ${B}, T ${T}, H ${H}, from a nonzero state`, () => {
        const G = RNN_GATES[cell];
        const xp = randn([B, T, G * H], 300 + n, 1.5) as tf.Tensor3D;
        const wh = randn([H, G * H], 310 + n, 1 / Math.sqrt(H)) as tf.Tensor2D;
        const bh = randn([G * H], 320 + n, 0.3) as tf.Tensor1D;
        const h0 = randn([B, H], 330 + n, 0.5) as tf.Tensor2D;
        const c0 = randn([B, H], 340 + n, 0.5) as tf.Tensor2D;
        const inputs = cell === 'lstm' ? [xp, wh, h0, c0] : cell === 'gru' ? [xp, wh, h0, bh] : [xp, wh, h0];
        compareOp(
          `${cell} ${B}/${T}/${H}`,
          inputs,
          (...x) => rnnSequence(cell, x[0] as tf.Tensor3D, x[1] as tf.Tensor2D, cell === 'gru' ? (x[3] as tf.Tensor1D) : null, x[2] as tf.Tensor2D, cell === 'lstm' ? (x[3] as tf.Tensor2D) : null),
          (...x) =>
            rnnSequenceReference(cell, x[0] as tf.Tensor3D, x[1] as tf.Tensor2D, cell === 'gru' ? (x[3] as tf.Tensor1D) : null, cell === 'lstm' ? { h: x[2] as tf.Tensor2D, c: x[3] as tf.Tensor2D } : { h: x[2] as tf.Tensor2D }).hs,
        );
      });
    }
  }
});

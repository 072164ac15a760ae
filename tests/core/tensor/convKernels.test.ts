import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectKernelsActive } from '../../../core/tensor/wasmKernelRegistry.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { maskedConv2d, maskedConv2dReference } from '../../../core/tensor/ops/maskedConv.ts';
import { compareOp, pick, randn, random, TOLERANCE } from './fusedHelpers.ts';

// The convolution kernels against the cpu backend: values and gradients (input, filter, bias)
// within 1e-4, on random shapes, with and without masked (all-zero) taps.

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  expect(projectKernelsActive()).toBe(true);
  // The cpu backend (the reference) prints an "install tfjs-node" banner on first use: not here.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
});

type Result = { shape: number[]; values: Float32Array };

function on(backend: string, f: () => tf.Tensor[]): Result[] {
  tf.setBackend(backend);
  try {
    return tf.tidy(() => f().map((t) => ({ shape: t.shape.slice(), values: t.dataSync().slice() as Float32Array })));
  } finally {
    tf.setBackend('wasm');
  }
}

function compare(label: string, f: () => tf.Tensor[]): void {
  const want = on('cpu', f);
  const got = on('wasm', f);
  want.forEach((w, i) => {
    expect(got[i]!.shape, `${label} [${i}] shape`).toEqual(w.shape);
    let worst = 0;
    for (let j = 0; j < w.values.length; j++) worst = Math.max(worst, Math.abs(got[i]!.values[j]! - w.values[j]!) / Math.max(1, Math.abs(w.values[j]!)));
    expect(worst, `${label} [${i}]`).toBeLessThanOrEqual(TOLERANCE);
  });
}

/** A PixelCNN mask: open above the centre row, left of the centre, and (type B) the centre. */
function mask(k: number, type: 'A' | 'B' | null): Float32Array {
  const m = new Float32Array(k * k).fill(1);
  if (type == null) return m;
  const c = (k - 1) / 2;
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) m[y * k + x] = y < c || (y === c && (x < c || (type === 'B' && x === c))) ? 1 : 0;
  return m;
}

describe('convolutions', () => {
  const next = random(8);
  const cases: { B: number; H: number; W: number; cin: number; cout: number; k: number; pad: 'same' | 'valid'; mask: 'A' | 'B' | null; act: 'relu' | 'linear' }[] = [
    { B: 2, H: 28, W: 28, cin: 1, cout: 16, k: 7, pad: 'same', mask: 'A', act: 'relu' },
    { B: 2, H: 12, W: 12, cin: 32, cout: 64, k: 3, pad: 'same', mask: 'B', act: 'relu' },
    // threaded, several im2col blocks per thread (the last one partial), 20 columns (not a whole panel)
    { B: 2, H: 20, W: 20, cin: 40, cout: 20, k: 3, pad: 'same', mask: 'B', act: 'relu' },
    { B: 3, H: 9, W: 11, cin: 5, cout: 7, k: 3, pad: 'valid', mask: null, act: 'linear' },
    { B: 2, H: 6, W: 6, cin: 8, cout: 3, k: 1, pad: 'valid', mask: null, act: 'relu' },
    { B: 1, H: 5, W: 7, cin: 3, cout: 4, k: 5, pad: 'same', mask: 'B', act: 'linear' },
  ];
  for (let i = 0; i < 3; i++) {
    const k = [1, 3, 5][pick(next, 0, 2)]!;
    cases.push({ B: pick(next, 1, 3), H: pick(next, k, 12), W: pick(next, k, 12), cin: pick(next, 1, 9), cout: pick(next, 1, 9), k, pad: next() < 0.5 ? 'same' : 'valid', mask: k > 1 && next() < 0.5 ? 'B' : null, act: next() < 0.5 ? 'relu' : 'linear' });
  }
  for (const [n, c] of cases.entries()) {
    it(`${c.B}×${c.H}×${c.W}×${c.cin} → ${c.cout}, ${c.k}×${c.k} ${c.pad}, mask ${c.mask ?? 'none'}, ${c.act}`, () => {
      compare(`conv ${n}`, () => {
        const x = randn([c.B, c.H, c.W, c.cin], 400 + n);
        const w = randn([c.k, c.k, c.cin, c.cout], 410 + n, 0.5);
        const b = randn([c.cout], 420 + n);
        const m = tf.tensor4d(mask(c.k, c.mask), [c.k, c.k, 1, 1]);
        const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: tf.mul(w, m) as tf.Tensor4D, strides: 1, pad: c.pad, bias: b, activation: c.act });
        const y = f(x, w, b);
        const cot = randn(y.shape, 430 + n);
        const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(x, w, b), cot)))([x, w, b]);
        const plain = tf.conv2d(x as tf.Tensor4D, tf.mul(w, m) as tf.Tensor4D, 1, c.pad);
        return [y, plain, ...grads];
      });
    });
  }
});

describe('maskedConv2d (the PixelCNN layer op)', () => {
  for (const [k, type, cin, cout, relu, pad] of [
    [7, 'A', 1, 16, true, 'same'],
    [3, 'B', 16, 16, true, 'same'],
    [5, 'B', 4, 6, false, 'same'],
    [1, null, 16, 8, true, 'valid'],
  ] as const) {
    it(`${k}×${k} mask ${type ?? 'none'}, ${cin} → ${cout}, ${relu ? 'relu' : 'linear'}`, () => {
      const x = randn([3, 10, 9, cin], k * 10 + cin) as tf.Tensor4D;
      const w = randn([k, k, cin, cout], k * 11 + cout, 0.4) as tf.Tensor4D;
      const b = randn([cout], k * 12) as tf.Tensor1D;
      const m = type ? (tf.tensor4d(mask(k, type), [k, k, 1, 1]) as tf.Tensor4D) : null;
      compareOp(
        `masked conv ${k} ${type}`,
        [x, w, b],
        (x, w, b) => maskedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, m, { relu, pad }),
        (x, w, b) => maskedConv2dReference(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, m, { relu, pad }),
      );
    });
  }
});

describe('maskedConv2d on data (inputGrad: false, a first layer)', () => {
  it('gives the reference weight and bias gradients and does not run the input-gradient kernel', async () => {
    const x = randn([2, 12, 11, 1], 71) as tf.Tensor4D;
    const w = randn([7, 7, 1, 8], 72, 0.4) as tf.Tensor4D;
    const b = randn([8], 73) as tf.Tensor1D;
    const m = tf.tensor4d(mask(7, 'A'), [7, 7, 1, 1]) as tf.Tensor4D;
    const cot = randn([2, 12, 11, 8], 74);
    const gradsOf = (conv: typeof maskedConv2d, inputGrad?: boolean) =>
      tf.grads((wv: tf.Tensor, bv: tf.Tensor) => tf.sum(tf.mul(conv(x, wv as tf.Tensor4D, bv as tf.Tensor1D, m, { relu: true, inputGrad }), cot)))([w, b]);
    const want = gradsOf(maskedConv2dReference);
    let got: tf.Tensor[] = [];
    const profile = await tf.profile(() => (got = gradsOf(maskedConv2d, false)));
    got.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, want[i]!))).dataSync()[0]!, `gradient ${i}`).toBeLessThan(1e-4));
    expect(profile.kernelNames).toContain('Conv2DBackpropFilter');
    expect(profile.kernelNames).not.toContain('Conv2DBackpropInput');
    // the same op with its input gradient on runs that kernel (so the check above can fail)
    expect((await tf.profile(() => gradsOf(maskedConv2d))).kernelNames).toContain('Conv2DBackpropInput');
  });
});

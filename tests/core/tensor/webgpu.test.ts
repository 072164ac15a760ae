import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dawnReason, probeWebGpu, type WebGpuProbe } from '../../../core/tensor/webgpu.ts';
import { initBackend } from '../../../core/tensor/backend.ts';

const probe: WebGpuProbe = await probeWebGpu();
const why = probe.ok ? '' : probe.reason;
if (!probe.ok) console.log(`[webgpu] parity tests skipped: ${why}`);

describe('the webgpu rung', () => {
  it('gives up fast, with Dawn’s reason, where there is no usable adapter', async () => {
    const t0 = performance.now();
    const again = await probeWebGpu();
    const ms = performance.now() - t0;
    if (again.ok) return; // a GPU machine: nothing to give up on
    expect(ms).toBeLessThan(1000);
    expect(again.reason).toMatch(/^no WebGPU adapter|did not answer/);
  });

  it('reads Dawn’s warnings: the warning, not the noise around it', () => {
    const stderr = [
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      ' - While initializing adapter (backend=BackendType::Vulkan)',
      '    at InitializeImpl (PhysicalDeviceVk.cpp:257)',
    ].join('\n');
    expect(dawnReason(stderr)).toBe('Vulkan shaderUniform*ArrayDynamicIndexing required.');
    expect(dawnReason("Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file\n    at operator() (BackendVk.cpp:368)")).toBe(
      "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file",
    );
    expect(dawnReason('')).toBeNull();
  });

  it('reports the rung, and the worker keeps a working backend', async () => {
    const info = await initBackend({ prefer: 'webgpu' });
    const rung = info.rungs.find((r) => r.name === 'webgpu')!;
    if (probe.ok) expect(info.backend).toBe('webgpu');
    else {
      expect(rung.available).toBe(false);
      expect(rung.reason).toMatch(/no WebGPU adapter|not installed|did not answer/);
      expect(info.backend).not.toBe('webgpu');
      expect(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0])).toBe(3);
    }
  });
});

/** Values and gradients of `f` on webgpu against cpu (float32 on a GPU: relative 1e-3). */
async function parity(name: string, f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][]) {
  const inputs = shapes.map((s, i) => Array.from(tf.randomNormal(s, 0, 1, 'float32', 11 + i).dataSync()));
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const xs = inputs.map((d, i) => tf.tensor(d, shapes[i]));
    const y = f(...xs);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(f(...a)))(xs);
    const out = { y: Array.from(await y.data()), g: await Promise.all(grads.map(async (g) => Array.from(await g.data()))) };
    tf.dispose([...xs, y, ...grads]);
    return out;
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  const close = (a: number[], b: number[]) => a.every((x, i) => Math.abs(x - b[i]!) <= 1e-3 * Math.max(1, Math.abs(x)));
  expect(close(cpu.y, gpu.y), `${name} values`).toBe(true);
  cpu.g.forEach((g, i) => expect(close(g, gpu.g[i]!), `${name} gradient ${i}`).toBe(true));
}

describe.skipIf(!probe.ok)('webgpu parity with cpu (values and gradients)', () => {
  it('matMul, attention-style batched matMul, conv2d, softmax, layer-norm pieces, gather', async () => {
    await initBackend({ prefer: 'webgpu' });
    await parity('matMul', (a, b) => tf.matMul(a!, b!), [[33, 17], [17, 9]]);
    await parity('matMul transposed', (a, b) => tf.matMul(a!, b!, false, true), [[4, 5, 8], [4, 6, 8]]);
    await parity('conv2d', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), [[2, 9, 9, 3], [3, 3, 3, 4]]);
    await parity('softmax', (x) => tf.softmax(x!), [[6, 13]]);
    await parity('moments', (x) => tf.moments(x!, -1, true).variance, [[5, 16]]);
    await parity('tanh sigmoid', (x) => tf.mul(tf.tanh(x!), tf.sigmoid(x!)), [[7, 11]]);
    await parity('gather', (e) => tf.gather(e!, tf.tensor1d([0, 3, 3, 1], 'int32')), [[5, 6]]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { projectKernelsStatus, tfjsWasmFixesRegistered } from '../../../core/tensor/wasmKernelRegistry.ts';
import { BackendInfo as BackendInfoSchema } from '../../../core/protocol/messages.ts';
import {
  BACKEND_LADDER,
  currentBackendInfo,
  formatBackendInfo,
  initBackend,
  parseBackendName,
  type BackendInfo,
} from '../../../core/tensor/backend.ts';

// This machine has neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node installed
// (TOOLCHAIN.md), so the default ladder lands on wasm.

const savedEnv = process.env.ARS_BACKEND;
beforeAll(() => {
  delete process.env.ARS_BACKEND;
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env.ARS_BACKEND;
  else process.env.ARS_BACKEND = savedEnv;
});

function rung(info: BackendInfo, name: string) {
  const found = info.rungs.find((r) => r.name === name);
  expect(found, `rung ${name}`).toBeDefined();
  return found!;
}

describe('initBackend', () => {
  it('chooses wasm here and says why the native rungs were skipped', async () => {
    expect(currentBackendInfo()).toBeNull();
    const info = await initBackend();
    expect(BackendInfoSchema.parse(info)).toEqual(info);
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.rungs.map((r) => r.name)).toEqual([...BACKEND_LADDER]);
    for (const name of ['tensorflow-gpu', 'tensorflow']) {
      const r = rung(info, name);
      expect(r.available).toBe(false);
      expect(r.reason).toMatch(/not installed|failed to load/);
    }
    expect(rung(info, 'tensorflow').reason).toContain('@tensorflow/tfjs-node');
    expect(rung(info, 'wasm')).toMatchObject({ available: true });
    expect(rung(info, 'wasm').reason).toMatch(/^in use/);
    // tfjs-wasm computes on one thread in Node; the project's kernels bring their own threads.
    const ars = projectKernelsStatus();
    expect(info.threads).toBe(ars?.ok ? ars.threads : 1);
    expect(info.device.length).toBeGreaterThan(0);
    expect(info.versions).toMatchObject({ 'tfjs-core': '4.22.0', 'tfjs-backend-wasm': '4.22.0', node: process.versions.node });
    expect(tfjsWasmFixesRegistered()).toBe(true);
    expect(currentBackendInfo()).toBe(info);
  });

  it('returns the cached report on a second call, re-activating its backend', async () => {
    const first = await initBackend();
    await tf.setBackend('cpu');
    const second = await initBackend();
    expect(second).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
    expect(await initBackend({ prefer: undefined })).toBe(first);
  });

  it("prefer: 'cpu' gives cpu and marks the rungs above it as not tried", async () => {
    const info = await initBackend({ prefer: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.threads).toBe(1);
    expect(rung(info, 'cpu')).toMatchObject({ available: true });
    expect(rung(info, 'cpu').reason).toMatch(/^in use \(preferred\)/);
    expect(rung(info, 'wasm').reason).toBe("not tried: 'cpu' was preferred");
    expect(rung(info, 'tensorflow').reason).toBe("package @tensorflow/tfjs-node is not installed (not tried: 'cpu' was preferred)");
    expect(info.versions['tfjs-backend-cpu']).toBe('4.22.0');
    expect(currentBackendInfo()).toBe(info);
    expect(await initBackend({ prefer: 'cpu' })).toBe(info);
  });

  it('falls back down the ladder when the preferred rung is unavailable', async () => {
    const info = await initBackend({ prefer: 'tensorflow' });
    expect(info.backend).toBe('wasm');
    const r = rung(info, 'tensorflow');
    expect(r.available).toBe(false);
    expect(r.reason).toMatch(/^preferred, but package @tensorflow\/tfjs-node is not installed; fell back to 'wasm'/);
    expect(rung(info, 'tensorflow-gpu').reason).toMatch(/not installed \(not tried: 'tensorflow' was preferred\)$/);
  });

  it('explains an unknown preference and falls back to the default ladder', async () => {
    const info = await initBackend({ prefer: 'quantum' });
    expect(info.backend).toBe('wasm');
    expect(info.rungs[0]).toMatchObject({ name: 'quantum', available: false });
    expect(info.rungs[0].reason).toMatch(/unknown backend 'quantum'.*known: tensorflow-gpu, webgpu, tensorflow, wasm, cpu, auto/);
    expect(BackendInfoSchema.parse(info)).toEqual(info);
  });

  it('reads ARS_BACKEND when no preference is passed', async () => {
    process.env.ARS_BACKEND = 'cpu';
    try {
      expect((await initBackend()).backend).toBe('cpu');
      expect((await initBackend({ prefer: 'wasm' })).backend).toBe('wasm');
    } finally {
      delete process.env.ARS_BACKEND;
    }
  });

  it('accepts aliases', () => {
    expect(parseBackendName('CUDA')).toBe('tensorflow-gpu');
    expect(parseBackendName('tfjs-node')).toBe('tensorflow');
    expect(parseBackendName(' wasm ')).toBe('wasm');
    expect(parseBackendName('nope')).toBeNull();
  });
});

describe('formatBackendInfo', () => {
  it('lists the backend, device, threads, each rung and the versions', async () => {
    const info = await initBackend({ prefer: 'auto' });
    expect(info.backend).toBe('wasm');
    expect(info.rungs.map((r) => r.name)).toEqual([...BACKEND_LADDER]);
    const text = formatBackendInfo(info);
    expect(text).toContain('Backend  wasm');
    expect(text).toContain(`Device   ${info.device}`);
    expect(text).toContain(`Threads  ${info.threads}`);
    expect(text).toMatch(/✗ tensorflow-gpu +package @tensorflow\/tfjs-node-gpu is not installed/);
    expect(text).toMatch(/✓ wasm +in use/);
    // Installed (optional dependencies), but no adapter on a machine without a usable GPU driver.
    expect(text).toMatch(/✗ webgpu +no WebGPU adapter|✓ webgpu/);
    expect(text).toMatch(/GPU adapters \(WebGPU\)/);
    expect(text).toMatch(/✓ cpu +not tried: 'wasm' ranks higher/);
    expect(text).toContain('tfjs-backend-wasm 4.22.0');
    const gpuLines = 1 + Math.max(1, info.gpus?.length ?? 0);
    const cudaLines = info.cuda ? 1 + info.cuda.length : 0;
    expect(text.split('\n').length).toBe(4 + info.rungs.length + gpuLines + cudaLines + 1 + Object.keys(info.versions).length);
  });
});

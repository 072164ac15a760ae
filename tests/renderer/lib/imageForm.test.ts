import { describe, expect, it } from 'vitest';
import { imageSource, imageTrainParams, MAX_UPLOAD_BYTES, nllLabel, pixelCnnProblems, pixelSampleParams, type ImageTrainForm } from '../../../renderer/src/lib/imageForm.ts';

const form: ImageTrainForm = {
  name: '',
  data: 'mnist',
  family: 'pixelcnn',
  binarization: 'threshold',
  channels: 8,
  residualBlocks: 1,
  hiddenOut: 16,
  steps: 20,
  batch: 8,
  lr: 1e-3,
  evalEvery: 10,
  evalBatches: 1,
  checkpointEvery: 10,
  seed: 1,
};

describe('imageTrainParams', () => {
  it('builds a PixelCNN training request on MNIST', () => {
    const r = imageTrainParams(form, []);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.params.config.model).toEqual({ family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 16 });
    expect(r.params.config.data).toEqual({ kind: 'builtin', name: 'mnist' });
    expect(r.params.name).toBeUndefined();
  });

  it('builds a masked image model request with its binarization', () => {
    const r = imageTrainParams({ ...form, family: 'masked-image', binarization: 'stochastic' }, []);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.params.config.model).toEqual({ family: 'masked-image', channels: 8, dilations: [1, 2, 4, 7, 1, 2, 4, 7], hiddenOut: 16 });
    expect(r.params.config.binarization).toBe('stochastic');
    // The masked model has no residual-block count: a PixelCNN's wrong one does not stop it.
    expect(pixelCnnProblems({ ...form, family: 'masked-image', residualBlocks: 99 })).toEqual([]);
  });

  it('sends opened files as an upload, and needs some', () => {
    expect(imageTrainParams({ ...form, data: 'upload' }, [])).toEqual({ ok: false, message: 'Open PNG images or an IDX file first' });
    const r = imageSource('upload', [{ name: 'a.png', bytes: new Uint8Array([1, 2]) }]);
    expect(r).toMatchObject({ ok: true, source: { kind: 'upload', files: [{ name: 'a.png' }] } });
    const big = { name: 'big.idx', bytes: { byteLength: MAX_UPLOAD_BYTES + 1 } as Uint8Array<ArrayBuffer> };
    expect(imageSource('upload', [big])).toMatchObject({ ok: false, message: expect.stringMatching(/at most 64 MiB/) });
  });

  it('names the field that is wrong', () => {
    expect(pixelCnnProblems({ ...form, channels: 1000 })).toEqual(['Channels: enter a whole number from 2 to 512']);
    expect(pixelCnnProblems({ ...form, residualBlocks: 1.5 })).toEqual(['Residual blocks: enter a whole number from 0 to 16']);
    expect(imageTrainParams({ ...form, steps: 0 }, [])).toEqual({ ok: false, message: 'Steps: enter a whole number from 1 to 10,000,000' });
    expect(imageTrainParams({ ...form, lr: 0 }, [])).toMatchObject({ ok: false, message: expect.stringMatching(/^Learning rate:/) });
  });
});

describe('pixelSampleParams', () => {
  const known = { values: new Uint8Array(784), mask: new Uint8Array(784) };

  it('builds completions and unconditional samples', () => {
    const r = pixelSampleParams('run-1', { samples: 4, seed: 2, method: 'fast', temperature: 1 }, known, 16);
    expect(r).toMatchObject({ ok: true, params: { runId: 'run-1', options: { samples: 4, seed: 2, method: 'fast' }, known } });
    const u = pixelSampleParams('run-1', { samples: 64, seed: 2, method: 'naive', temperature: 0.5 }, null, 64);
    expect(u.ok && 'known' in u.params).toBe(false);
  });

  it('refuses what the panel does not allow', () => {
    expect(pixelSampleParams(null, { samples: 4, seed: 2, method: 'fast', temperature: 1 }, known, 16)).toMatchObject({ ok: false, message: expect.stringMatching(/Train a PixelCNN/) });
    expect(pixelSampleParams('r', { samples: 17, seed: 2, method: 'fast', temperature: 1 }, known, 16)).toEqual({ ok: false, message: 'Samples (K): 1 to 16' });
    expect(pixelSampleParams('r', { samples: 2, seed: 2, method: 'fast', temperature: 0 }, known, 16)).toMatchObject({ ok: false, message: expect.stringMatching(/^Temperature:/) });
  });
});

describe('nllLabel', () => {
  it('reads nats and bits per dimension', () => {
    expect(nllLabel(123.456, 0.2271)).toBe('123.5 nats · 0.227 bits/dim');
    expect(nllLabel(null)).toBe('—');
  });
});

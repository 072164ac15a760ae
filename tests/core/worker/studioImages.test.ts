import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { PixelSampleOptions } from '../../../core/generate/pixelcnnOptions.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { ImageTrainConfig } from '../../../core/train/imageConfig.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

const config = (steps: number) =>
  ImageTrainConfig.parse({
    model: { family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 8 },
    data: { kind: 'builtin', name: 'mnist' },
    steps,
    batch: 8,
    evalEvery: 5,
    evalBatches: 1,
    checkpointEvery: 5,
  });

describe('Studio: PixelCNN runs', () => {
  it('trains on MNIST with NLL in nats per image and bits per pixel, resumes, and completes a drawing', async () => {
    const studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-img-')), progressIntervalMs: 0 });
    const preview = await studio.imagePreview({ kind: 'builtin', name: 'mnist' }, 4);
    expect(preview).toMatchObject({ name: 'mnist', count: 10_000, shown: 4 });
    expect(preview.images).toHaveLength(4 * 784);
    // Spread across the set, not the first four (the built-in digits are stored class by class).
    const digits = loadMnistDigits();
    const picked = [0, 2500, 5000, 7500];
    picked.forEach((i, k) => expect(preview.images.subarray(k * 784, (k + 1) * 784)).toEqual(digits.images.subarray(i * 784, (i + 1) * 784)));
    expect(new Set(picked.map((i) => digits.labels![i])).size).toBe(4);

    const job = await studio.startImageTraining(config(10), 'digits');
    const events = await drain(job);
    const progress = events.filter((e) => e.kind === 'progress');
    const evaluated = progress.filter((e) => e.kind === 'progress' && e.valLoss !== undefined);
    expect(evaluated.length).toBeGreaterThan(0);
    for (const e of evaluated) {
      if (e.kind !== 'progress') continue;
      expect(e.unit).toBe('images');
      expect(e.valNatsPerImage).toBeCloseTo(784 * e.valLoss!, 6);
      expect(e.valBitsPerDim).toBeCloseTo(e.valLoss! / Math.LN2, 6);
    }
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    // After each validation, four digits drawn by the model as it is then.
    const previews = events.filter((e): e is Extract<JobEvent, { kind: 'image-preview' }> => e.kind === 'image-preview');
    const validated = evaluated.map((e) => (e as { step: number }).step);
    // (a slow preview skips validations until it costs at most a sixth of the time; the last step always has one)
    expect(previews.map((e) => e.step).every((s) => validated.includes(s))).toBe(true);
    expect(previews.at(-1)?.step).toBe(10);
    for (const p of previews) {
      expect(p.samples).toBe(4);
      expect(p.images).toHaveLength(4 * 784);
      expect(p.images.every((b) => b === 0 || b === 1)).toBe(true);
    }
    const detail = await studio.getRun(job.runId);
    expect(detail.model.family).toBe('pixelcnn');
    expect(detail.metrics.find((m) => m.valLoss !== undefined)?.valBitsPerDim).toBeGreaterThan(0);

    const more = await drain(await studio.resumeTraining(job.runId, 5));
    expect(more.find((e) => e.kind === 'progress')).toMatchObject({ step: 11 });

    // The top 10 rows of a digit are known; the rest is drawn.
    const known = { values: preview.images.slice(0, 784), mask: new Uint8Array(784).fill(0).fill(1, 0, 280) };
    const sampled = await drain(await studio.sampleImages(job.runId, PixelSampleOptions.parse({ samples: 3, seed: 4 }), known));
    const pixels = sampled.filter((e) => e.kind === 'pixel');
    expect(pixels).toHaveLength(784 - 280);
    expect(pixels[0]).toMatchObject({ kind: 'pixel', index: 280 });
    const images = sampled.find((e) => e.kind === 'images');
    if (images?.kind !== 'images') throw new Error('no images event');
    for (let k = 0; k < 3; k++) for (let i = 0; i < 280; i++) expect(images.images[k * 784 + i]).toBe(known.values[i]);
    expect(images.nll).toHaveLength(3);
    await expect(studio.sample(job.runId, { length: 5, prompt: '', temperature: 1, topK: 0, topP: 1, seed: 1, iterations: 1 })).rejects.toThrow(/PixelCNN/);
  });
});

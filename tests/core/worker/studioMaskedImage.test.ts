import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { ImageRaceOptions } from '../../../core/generate/imageRaceOptions.ts';
import { PixelSampleOptions } from '../../../core/generate/pixelcnnOptions.ts';
import { PixelCnnModel } from '../../../core/models/pixelcnn.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { restoreWeights } from '../../../core/runs/modelRestore.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { ImageTrainConfig } from '../../../core/train/imageConfig.ts';
import { testNllStochastic } from '../../../core/train/testNll.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

const base = { data: { kind: 'builtin', name: 'mnist' }, batch: 8, evalEvery: 4, evalBatches: 1, checkpointEvery: 4, binarization: 'stochastic' } as const;
const maskedConfig = (steps: number) => ImageTrainConfig.parse({ ...base, model: { family: 'masked-image', channels: 8, dilations: [1, 2, 4, 7], hiddenOut: 8 }, steps });
const pixelConfig = (steps: number) => ImageTrainConfig.parse({ ...base, model: { family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 8 }, steps });

describe('Studio: masked image runs, the PixelCNN test NLL and the image race', () => {
  it('trains a masked image model with progress, checkpoints and previews, resumes it, and samples after restore', async () => {
    const studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-mimg-')), progressIntervalMs: 0 });
    const job = await studio.startImageTraining(maskedConfig(8), 'masked digits');
    const events = await drain(job);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    const evaluated = events.filter((e) => e.kind === 'progress' && e.valLoss !== undefined);
    expect(evaluated.length).toBeGreaterThan(0);
    expect(evaluated.every((e) => e.kind === 'progress' && e.unit === 'images')).toBe(true);
    expect(events.filter((e) => e.kind === 'checkpoint').map((e) => (e.kind === 'checkpoint' ? e.step : 0))).toEqual([4, 8]);
    const preview = events.find((e) => e.kind === 'image-preview');
    expect(preview?.kind === 'image-preview' && preview.images.length).toBe(4 * 784);

    const detail = await studio.getRun(job.runId);
    expect(detail.model.family).toBe('masked-image');
    expect(detail.config).toMatchObject({ binarization: 'stochastic', model: { family: 'masked-image' } });
    expect(detail.checkpointStep).toBe(8);
    // Not a density model: no test NLL.
    expect(detail.testNllStochastic).toBeUndefined();

    const more = await drain(await studio.resumeTraining(job.runId, 4));
    expect(more.find((e) => e.kind === 'progress')).toMatchObject({ step: 9 });
    expect(more.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });

    const known = { values: loadMnistDigits().images.slice(0, 784), mask: new Uint8Array(784).fill(1, 0, 392) };
    const sampled = await drain(await studio.sampleImages(job.runId, PixelSampleOptions.parse({ samples: 2, seed: 3, passes: 3 }), known));
    expect(sampled.filter((e) => e.kind === 'image-pass').map((e) => (e.kind === 'image-pass' ? e.pass : 0))).toEqual([1, 2, 3]);
    const images = sampled.find((e) => e.kind === 'images');
    if (images?.kind !== 'images') throw new Error('no images event');
    expect(images.method).toBe('mask-predict');
    for (let k = 0; k < 2; k++) for (let i = 0; i < 392; i++) expect(images.images[k * 784 + i]).toBe(known.values[i]);
    expect(sampled.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { checkpointStep: 12 } });
    await expect(studio.sample(job.runId, { length: 5, prompt: '', temperature: 1, topK: 0, topP: 1, seed: 1, iterations: 1 })).rejects.toThrow(/image model/);
  }, 120_000);

  it('measures a completed PixelCNN run\'s stochastic test NLL, keeps it in the run, and races it against a masked run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-race-img-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const arJob = await studio.startImageTraining(pixelConfig(4), 'ar');
    const arEvents = await drain(arJob);
    const done = arEvents.at(-1);
    expect(done).toMatchObject({ kind: 'done', reason: 'completed' });
    const detail = await studio.getRun(arJob.runId);
    expect(detail.testNllStochastic).toBeGreaterThan(0);
    expect(detail.testNllStochasticImages).toBe(1000);
    expect(done?.kind === 'done' && done.summary.testNllStochastic).toBe(detail.testNllStochastic);
    // The same number as testNllStochastic on the model restored from the run's checkpoint.
    const run = await new RunStore(home).open(arJob.runId);
    const { checkpoint } = await run.checkpoints.loadLatest();
    const model = new PixelCnnModel(pixelConfig(4).model as Extract<ImageTrainConfig['model'], { family: 'pixelcnn' }>);
    restoreWeights(model, checkpoint!.tensors);
    const again = await testNllStochastic(model, { valFraction: 0.1, seed: 1 });
    model.dispose();
    expect(detail.testNllStochastic).toBeCloseTo(again.natsPerImage, 3);

    const narJob = await studio.startImageTraining(maskedConfig(4), 'nar');
    await drain(narJob);
    const known = { values: loadMnistDigits().images.slice(784, 2 * 784), mask: new Uint8Array(784).fill(1, 0, 14 * 28) };
    const race = await drain(await studio.raceImages(arJob.runId, narJob.runId, ImageRaceOptions.parse({ samples: 2, iterations: 4 }), known));
    const results = race.find((e) => e.kind === 'image-race-results');
    if (results?.kind !== 'image-race-results') throw new Error('no results');
    expect(results.lanes.map((l) => l.lane)).toEqual(['pixelcnn', 'nar-t1', 'nar-tk']);
    expect(results.lanes.map((l) => l.passes)).toEqual([392, 1, 4]);
    expect(results.lanes.every((l) => l.nll > 0 && l.wallMs > 0 && l.nlls.length === 2)).toBe(true);
    expect(race.filter((e) => e.kind === 'image-race-frame').length).toBeGreaterThan(3);
    expect(race.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    // The wrong kind of run on either side is refused before the job starts.
    await expect(studio.raceImages(narJob.runId, arJob.runId, ImageRaceOptions.parse({}), known)).rejects.toThrow(/not a PixelCNN/);
  }, 120_000);
});

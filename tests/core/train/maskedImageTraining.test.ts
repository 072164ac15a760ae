import { beforeAll, describe, expect, it } from 'vitest';
import { ImageDataset } from '../../../core/data/imageSet.ts';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { MaskedImageModel } from '../../../core/models/maskedImage.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { MaskedImageTrainConfig } from '../../../core/train/imageConfig.ts';
import { maskedImageTrainingTask } from '../../../core/train/maskedImageTask.ts';
import { Trainer, type StepMetric, type TrainerEvent } from '../../../core/train/trainer.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

describe('masked image training through the Trainer', () => {
  it('reports progress with validation losses, checkpoints and image previews, as the PixelCNN does', async () => {
    const config = MaskedImageTrainConfig.parse({
      model: { family: 'masked-image', channels: 8, dilations: [1, 2], hiddenOut: 8 },
      data: { kind: 'builtin', name: 'mnist' },
      steps: 4,
      batch: 4,
      evalEvery: 2,
      evalBatches: 1,
      checkpointEvery: 2,
      binarization: 'stochastic',
    });
    const mnist = loadMnistDigits();
    const dataset = ImageDataset.fromImages('mnist', mnist.images, { valFraction: 0.05, seed: config.seed, grey: mnist.grey });
    const model = new MaskedImageModel(config.model, config.seed);
    const optimizer = new AdamOptimizer(model.weights);
    const saved: number[] = [];
    const metrics: StepMetric[] = [];
    const trainer = new Trainer({
      task: maskedImageTrainingTask(model, dataset, config, { preview: true }),
      optimizer,
      config,
      startStep: 0,
      progressIntervalMs: 0,
      hooks: { saveCheckpoint: async (s) => void saved.push(s), recordMetrics: async (r) => void metrics.push(...r) },
    });
    const events: TrainerEvent[] = [];
    for await (const e of trainer.run()) events.push(e);
    expect(saved).toEqual([2, 4]);
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(metrics.filter((m) => m.valLoss !== undefined).map((m) => m.step)).toEqual([2, 4]);
    for (const m of metrics) expect(m.trainLoss).toBeGreaterThan(0);
    const previews = events.filter((e): e is Extract<TrainerEvent, { kind: 'preview' }> => e.kind === 'preview');
    expect(previews.length).toBeGreaterThan(0);
    const preview = previews[0]!.preview as { images: Uint8Array; samples: number };
    expect(preview.images.length).toBe(preview.samples * 784);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', step: 4 });
    optimizer.dispose();
    model.dispose();
  });
});

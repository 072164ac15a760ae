import { ImageDataset } from '../data/imageSet.ts';
import { errorInfo } from '../errors.ts';
import { MaskedImageModel } from '../models/maskedImage.ts';
import { PixelCnnModel } from '../models/pixelcnn.ts';
import type { JobEvent } from '../protocol/messages.ts';
import type { RunMeta } from '../runs/runMeta.ts';
import type { RunHandle } from '../runs/runStore.ts';
import type { ImageTrainConfig } from '../train/imageConfig.ts';
import { maskedImageTrainingTask } from '../train/maskedImageTask.ts';
import { imageTrainingTask, type TrainingTask } from '../train/task.ts';
import { testNllStochastic } from '../train/testNll.ts';
import type { PausableJob } from './job.ts';

/**
 * What training an image model takes, for both image families: the model a config names
 * (PixelCNN or masked image model), its training task, the split (with grey values where the
 * set has them, for stochastic binarization), and the PixelCNN's test NLL once it completes.
 */

/** The run's split of an image set: same images, valFraction and seed, same split; grey values kept where the set has them. */
export function imageTrainingSplit(name: string, images: Uint8Array, config: Pick<ImageTrainConfig, 'valFraction' | 'seed'>, grey?: Uint8Array): ImageDataset {
  return ImageDataset.fromImages(name, images, { valFraction: config.valFraction, seed: config.seed, ...(grey ? { grey } : {}) });
}

/** The model and training task an image run trains (its binarization honoured). */
export function imageModelAndTask(config: ImageTrainConfig, dataset: ImageDataset): { model: PixelCnnModel | MaskedImageModel; task: TrainingTask } {
  const shape = { ...config, binarization: config.binarization };
  if (config.model.family === 'pixelcnn') {
    const model = new PixelCnnModel(config.model, config.seed);
    return { model, task: imageTrainingTask(model, dataset, shape, { preview: true }) };
  }
  const model = new MaskedImageModel(config.model, config.seed);
  return { model, task: maskedImageTrainingTask(model, dataset, shape, { preview: true }) };
}

/** Whether a run's data is the bundled digits (the only set the stochastic test NLL is measured on). */
function bundledDigits(config: ImageTrainConfig): boolean {
  return config.data.kind === 'builtin' && config.data.name === 'mnist';
}

/**
 * The PixelCNN's stochastic-binarization test NLL for a run (core/train/testNll.ts), as run.json
 * keeps it; for a run on another set, why it is not available.
 */
export async function runTestNll(model: PixelCnnModel, config: ImageTrainConfig, dataset: string): Promise<NonNullable<RunMeta['testNllStochastic']>> {
  if (!bundledDigits(config)) {
    return { unavailable: `the test NLL under stochastic binarization needs grey values: "${dataset}" has only bits (it is measured on the bundled digits)` };
  }
  const t = await testNllStochastic(model, { valFraction: config.valFraction, seed: config.seed });
  return { natsPerImage: t.natsPerImage, bitsPerDim: t.bitsPerDim, images: t.images, binarizationSeed: t.binarizationSeed };
}

/**
 * A PixelCNN training job that, when training completes (and before its `done`), measures the
 * test NLL under stochastic binarization and keeps it in run.json (and in the done summary).
 * The model is still alive then: the training job frees it after its last event.
 */
export function withTestNll(job: PausableJob, run: RunHandle, model: PixelCnnModel, config: ImageTrainConfig): PausableJob {
  return {
    ...job,
    async *events(): AsyncGenerator<JobEvent> {
      for await (const e of job.events()) {
        if (e.kind !== 'done' || e.reason !== 'completed') {
          yield e;
          continue;
        }
        let summary = e.summary;
        try {
          const testNll = await runTestNll(model, config, run.meta.dataset);
          await run.update({ testNllStochastic: testNll });
          if ('natsPerImage' in testNll) summary = { ...summary, testNllStochastic: testNll.natsPerImage, testNllStochasticBitsPerDim: testNll.bitsPerDim };
          else summary = { ...summary, testNllStochasticUnavailable: testNll.unavailable };
        } catch (err) {
          // The training itself succeeded: a test NLL that cannot be measured is said, not a failure.
          yield { kind: 'notice', message: `The test NLL could not be measured: ${errorInfo(err).message}` };
        }
        yield { ...e, summary };
      }
    },
  };
}

import { sampleMaskedImage } from '../generate/maskedImageSampling.ts';
import type { KnownPixels, PixelSampleOptions } from '../generate/pixelcnnOptions.ts';
import { MaskedImageModel } from '../models/maskedImage.ts';
import type { MaskedImageConfig } from '../models/maskedImageConfig.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { loadTrainedModel } from '../runs/modelRestore.ts';
import type { RunHandle } from '../runs/runStore.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';

/** Mask-predict passes when the request names none (the training preview's number). */
export const DEFAULT_SAMPLING_PASSES = 8;

/**
 * K samples (or completions of the known pixels) from a masked image run at its newest good
 * checkpoint, by mask-predict: one `image-pass` event a pass, then `images` and `done`.
 */
export async function sampleMaskedImageRun(run: RunHandle, config: MaskedImageConfig, options: PixelSampleOptions, backend: string, known?: KnownPixels): Promise<UnpausableJob> {
  const runId = run.id;
  const { model, checkpointStep, notices } = await loadTrainedModel(run, () => new MaskedImageModel(config));
  const passes = options.passes ?? DEFAULT_SAMPLING_PASSES;
  return cancellableJob('sample', runId, notices, () => model.dispose(), async function* (signal): AsyncGenerator<JobEvent> {
    const request = { samples: options.samples, seed: options.seed, temperature: options.temperature, passes, choiceNoise: options.choiceNoise, ...(known ? { known } : {}), signal };
    for await (const e of sampleMaskedImage(model, request)) {
      if (e.kind === 'pass') {
        yield { kind: 'image-pass', pass: e.pass, passes: e.passes, images: e.images as Uint8Array<ArrayBuffer>, masked: e.masked as Uint8Array<ArrayBuffer> };
        continue;
      }
      const P = e.images.length / options.samples;
      yield {
        kind: 'images',
        samples: options.samples,
        images: e.images as Uint8Array<ArrayBuffer>,
        // The masked model gives no likelihood of a whole image: the NLL of its own draws.
        nll: e.sampledNll,
        bitsPerDim: e.sampledNll.map((n) => n / (P * Math.LN2)),
        method: 'mask-predict',
        pixels: e.pixels,
        elapsedMs: e.elapsedMs,
      };
      yield {
        kind: 'done',
        reason: e.reason,
        summary: { runId, samples: options.samples, method: 'mask-predict', passes: e.passes, pixels: e.pixels, elapsedMs: e.elapsedMs, msPerPass: e.msPerPass, checkpointStep, backend },
      };
    }
  });
}

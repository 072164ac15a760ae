import { IMAGE_PIXELS, IMAGE_SIDE } from '../data/imageSet.ts';
import { CharVocabulary } from '../data/vocabulary.ts';
import { ConfigError } from '../errors.ts';
import { generateAutoregressive } from '../generate/autoregressive.ts';
import { generateMaskPredict } from '../generate/maskPredictDecoding.ts';
import type { SampleOptions } from '../generate/options.ts';
import type { KnownPixels, PixelSampleOptions } from '../generate/pixelcnnOptions.ts';
import { samplePixelCnn } from '../generate/pixelcnnSampling.ts';
import { buildTextModel } from '../models/build.ts';
import { isImageModel } from '../models/config.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import { PixelCnnModel } from '../models/pixelcnn.ts';
import type { TextModel } from '../models/textModel.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { loadTrainedModel } from '../runs/modelRestore.ts';
import type { RunStore } from '../runs/runStore.ts';
import type { BackendChoice } from './backendChoice.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';
import { checkMemoryBudget } from './memoryBudgets.ts';
import { sampleMaskedImageRun } from './maskedImageJobs.ts';

/** A text run's model at its newest good checkpoint, with its vocabulary. */
export interface LoadedRunModel {
  runId: string;
  model: TextModel;
  vocab: CharVocabulary;
  checkpointStep: number;
  notices: string[];
}

/** Sampling a trained run: text models token by token, PixelCNNs pixel by pixel. Jobs that cannot pause. */
export class SamplingJobs {
  constructor(
    private readonly store: RunStore,
    private readonly backend: BackendChoice,
  ) {}

  /** Builds a text run's model from its newest good checkpoint. */
  async loadTextRun(runId: string): Promise<LoadedRunModel> {
    const { backend } = await this.backend.forTextSampling();
    const run = await this.store.open(runId);
    const runModel = run.meta.model;
    if (isImageModel(runModel)) throw new ConfigError(`run ${runId} is a ${runModel.family === 'pixelcnn' ? 'PixelCNN' : 'masked image model'}: sample it in the Image lab (or ars sample --out grid.png)`);
    checkMemoryBudget(runModel, { batch: 1, seq: 'context' in runModel ? runModel.context : 1, mode: 'sample' }, backend);
    const { model, checkpointStep, notices } = await loadTrainedModel(run, () => buildTextModel(runModel));
    return { runId, model, vocab: CharVocabulary.fromJSON(run.meta.vocab), checkpointStep, notices };
  }

  /** Text from a text run, streamed token by token (mask-predict models: step by step). */
  async sampleText(runId: string, options: SampleOptions): Promise<UnpausableJob> {
    const { model, vocab, checkpointStep, notices } = await this.loadTextRun(runId);
    const { backend } = await this.backend.info();
    try {
      vocab.encode(options.prompt); // an unknown prompt character is an error now, not a failed job
    } catch (err) {
      model.dispose();
      throw err;
    }
    return cancellableJob('sample', runId, notices, () => model.dispose(), async function* (signal) {
      const generate = model instanceof MaskPredictModel ? generateMaskPredict(model, vocab, options, signal) : generateAutoregressive(model, vocab, options, signal);
      for await (const e of generate) {
        if (e.kind !== 'done') yield e;
        else
          yield {
            kind: 'done',
            reason: e.reason,
            summary: { runId, text: e.text, tokens: e.tokens, steps: e.steps, elapsedMs: e.elapsedMs, msPerToken: e.msPerToken, checkpointStep, backend },
          };
      }
    });
  }

  /** K samples, or K completions of the known pixels: a PixelCNN's pixel by pixel, a masked image model's pass by pass. */
  async sampleImages(runId: string, options: PixelSampleOptions, known?: KnownPixels): Promise<UnpausableJob> {
    const { backend } = await this.backend.info();
    const run = await this.store.open(runId);
    if (!isImageModel(run.meta.model)) throw new ConfigError(`run ${runId} is a text model: sample it as text`);
    if (known && (known.values.length !== IMAGE_PIXELS || known.mask.length !== IMAGE_PIXELS)) {
      throw new ConfigError(`known pixels must cover a ${IMAGE_SIDE}×${IMAGE_SIDE} image (${IMAGE_PIXELS} values and ${IMAGE_PIXELS} mask entries)`);
    }
    const runModel = run.meta.model;
    if (runModel.family === 'masked-image') return sampleMaskedImageRun(run, runModel, options, backend, known);
    if (runModel.family !== 'pixelcnn') throw new ConfigError(`run ${runId} is a text model: sample it as text`);
    checkMemoryBudget(runModel, { batch: options.samples, seq: 1, mode: 'sample' }, backend);
    const { model, checkpointStep, notices } = await loadTrainedModel(run, () => new PixelCnnModel(runModel));
    return cancellableJob('sample', runId, notices, () => model.dispose(), async function* (signal) {
      for await (const e of samplePixelCnn(model, { ...options, known, signal })) {
        if (e.kind !== 'done') {
          yield e as JobEvent;
          continue;
        }
        yield {
          kind: 'images',
          samples: options.samples,
          images: e.images as Uint8Array<ArrayBuffer>,
          nll: e.nll,
          bitsPerDim: e.bitsPerDim,
          method: e.method,
          pixels: e.pixels,
          elapsedMs: e.elapsedMs,
        };
        yield {
          kind: 'done',
          reason: e.reason,
          summary: { runId, samples: options.samples, method: e.method, pixels: e.pixels, elapsedMs: e.elapsedMs, msPerPixel: e.msPerPixel, checkpointStep, backend },
        };
      }
    });
  }
}

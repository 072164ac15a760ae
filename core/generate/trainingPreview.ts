import type { CharVocabulary } from '../data/vocabulary.ts';
import type { MaskedImageModel } from '../models/maskedImage.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import type { PixelCnnModel } from '../models/pixelcnn.ts';
import type { TextModel } from '../models/textModel.ts';
import { readableOnHost } from '../tensor/hostCopy.ts';
import { generateAutoregressive } from './autoregressive.ts';
import { sampleMaskedImage } from './maskedImageSampling.ts';
import { generateMaskPredict } from './maskPredictDecoding.ts';
import { SampleOptions } from './options.ts';
import { samplePixelCnn } from './pixelcnnSampling.ts';

/** Characters in a text preview. */
export const PREVIEW_LENGTH = 120;
/** Images in an image preview. */
export const PREVIEW_IMAGES = 4;

/** What a model shows of itself after a validation: text, or K images (K × 784 bits). */
export type TrainingPreview = { text: string } | { images: Uint8Array; samples: number };

/**
 * A short sample from a text model as it trains, shown beside the loss curve. The seed and the
 * settings are the same every time, so one preview differs from the last only by what the model
 * has learned since. Mask-predict models fill their text in 4 passes.
 */
export async function trainingPreview(model: TextModel, vocab: CharVocabulary, length = PREVIEW_LENGTH): Promise<string> {
  // The decoders read the weights on the CPU; on a GPU backend they live in GPU memory after a step.
  await readableOnHost(model.weights.values());
  const options = SampleOptions.parse({ length, temperature: 0.8, seed: 7, iterations: 4 });
  const events = model instanceof MaskPredictModel ? generateMaskPredict(model, vocab, options) : generateAutoregressive(model, vocab, options);
  let text = '';
  for await (const e of events) if (e.kind === 'done') text = e.text;
  return text;
}

/**
 * A few PixelCNN samples as the model trains (the fast sampler, the same seed every time), so
 * the digits can be watched forming from one validation to the next.
 */
export async function imageTrainingPreview(model: Pick<PixelCnnModel, 'inference' | 'config'>, samples = PREVIEW_IMAGES): Promise<Uint8Array> {
  let images: Uint8Array = new Uint8Array(0);
  for await (const e of samplePixelCnn(model, { samples, seed: 7, method: 'fast' })) if (e.kind === 'done') images = e.images;
  return images;
}

/** Passes in a masked image model's training preview. */
export const PREVIEW_PASSES = 8;

/**
 * A few masked image model samples as the model trains (mask-predict from nothing known,
 * PREVIEW_PASSES passes, the same seed every time).
 */
export async function maskedImageTrainingPreview(model: Pick<MaskedImageModel, 'logits'>, samples = PREVIEW_IMAGES): Promise<Uint8Array> {
  let images: Uint8Array = new Uint8Array(0);
  for await (const e of sampleMaskedImage(model, { samples, seed: 7, passes: PREVIEW_PASSES })) if (e.kind === 'done') images = e.images;
  return images;
}

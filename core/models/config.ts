import { z } from 'zod';
import { MAX_VOCABULARY_SIZE } from '../data/vocabulary.ts';
import { RNN_CELLS } from '../tensor/rnnCell.ts';
import { MaskedImageConfig as MaskedImageConfigSchema } from './maskedImageConfig.ts';
import { PixelCnnConfig as PixelCnnConfigSchema } from './pixelcnnConfig.ts';
import { DEFAULT_POSITION_ENCODING, LEGACY_POSITION_ENCODING, PositionEncoding } from './positionEncoding.ts';
import { DEFAULT_LOCAL_CONTEXT, LEGACY_LOCAL_CONTEXT, LocalContext } from './localContextConfig.ts';

/**
 * Plain, serialisable model configurations. Pure (no tfjs): the renderer reaches these
 * through core/protocol to build its forms.
 */
export const RnnCell = z.enum(RNN_CELLS);
export type RnnCell = z.infer<typeof RnnCell>;

export const RnnConfig = z.object({
  family: z.literal('rnn'),
  cell: RnnCell,
  /** Filled in from the dataset's vocabulary when a run is created. */
  vocabSize: z.number().int().min(2).max(MAX_VOCABULARY_SIZE),
  embedding: z.number().int().min(4).max(1024),
  hidden: z.number().int().min(4).max(2048),
  layers: z.number().int().min(1).max(3),
});
export type RnnConfig = z.infer<typeof RnnConfig>;

const transformerShape = {
  /** Filled in from the dataset's vocabulary when a run is created. */
  vocabSize: z.number().int().min(2).max(MAX_VOCABULARY_SIZE),
  dModel: z.number().int().min(8).max(2048),
  heads: z.number().int().min(1).max(32),
  layers: z.number().int().min(1).max(24),
  ffn: z.number().int().min(8).max(8192),
  /** Longest sequence the model sees (learned position embeddings). */
  context: z.number().int().min(4).max(4096),
  dropout: z.number().min(0).max(0.9).default(0),
};
const headsDivide = (c: { dModel: number; heads: number }) => c.dModel % c.heads === 0;
const headsMessage = { message: 'dModel must be a multiple of heads', path: ['heads'] };

/** Decoder-only causal Transformer (autoregressive). */
export const TransformerConfig = z
  .object({ family: z.literal('transformer'), ...transformerShape, tiedOutput: z.boolean().default(true) })
  .refine(headsDivide, headsMessage);
export type TransformerConfig = z.infer<typeof TransformerConfig>;

/**
 * Non-autoregressive Transformer trained as a conditional masked LM (mask-predict). A stored run
 * without `positions` predates the choice and keeps its learned table; a new run's choice
 * (TextModelChoice) defaults to the measured best.
 */
export const MaskPredictConfig = z
  .object({
    family: z.literal('maskPredict'),
    ...transformerShape,
    positions: PositionEncoding.default(LEGACY_POSITION_ENCODING),
    localContext: LocalContext.default(LEGACY_LOCAL_CONTEXT),
  })
  .refine(headsDivide, headsMessage);
export type MaskPredictConfig = z.infer<typeof MaskPredictConfig>;

/** Every text model family. */
export const TextModelConfig = z.discriminatedUnion('family', [RnnConfig, TransformerConfig, MaskPredictConfig]);
export type TextModelConfig = z.infer<typeof TextModelConfig>;

/** What the user chooses; vocabSize comes from the data. */
export const TextModelChoice = z.discriminatedUnion('family', [
  RnnConfig.omit({ vocabSize: true }),
  z.object({ family: z.literal('transformer'), ...transformerShape, tiedOutput: z.boolean().default(true) }).omit({ vocabSize: true }).refine(headsDivide, headsMessage),
  z
    .object({
      family: z.literal('maskPredict'),
      ...transformerShape,
      positions: PositionEncoding.default(DEFAULT_POSITION_ENCODING),
      localContext: LocalContext.default(DEFAULT_LOCAL_CONTEXT),
    })
    .omit({ vocabSize: true })
    .refine(headsDivide, headsMessage),
]);
export type TextModelChoice = z.infer<typeof TextModelChoice>;

/** A short human description of a model ("LSTM 2×256", "Transformer 2×128, 4 heads"). */
export function describeModel(m: TextModelChoice): string {
  switch (m.family) {
    case 'rnn':
      return `${m.cell.toUpperCase()} ${m.layers}×${m.hidden}`;
    case 'transformer':
      return `Transformer ${m.layers}×${m.dModel}, ${m.heads} heads, ctx ${m.context}`;
    case 'maskPredict':
      return `NAR Transformer ${m.layers}×${m.dModel}, ${m.heads} heads, ctx ${m.context}`;
  }
}

/** The image model family (PixelCNN) lives in its own file; re-exported here with the other families. */
export { PixelCnnConfig, DEFAULT_PIXELCNN_CONFIG, type PixelCnnConfigInput } from './pixelcnnConfig.ts';

/** Every image model family: the PixelCNN (autoregressive) and the masked image model (non-autoregressive). */
export const ImageModelConfig = z.discriminatedUnion('family', [PixelCnnConfigSchema, MaskedImageConfigSchema]);
export type ImageModelConfig = z.infer<typeof ImageModelConfig>;
export const IMAGE_MODEL_FAMILIES = ['pixelcnn', 'masked-image'] as const;
export type ImageModelFamily = (typeof IMAGE_MODEL_FAMILIES)[number];

/** Whether a run's model draws images (a PixelCNN or a masked image model) rather than text. */
export function isImageModel<M extends { family: string }>(m: M): m is Extract<M, { family: ImageModelFamily }> {
  return (IMAGE_MODEL_FAMILIES as readonly string[]).includes(m.family);
}

/** Any model a run can hold: the text families and the image families. */
export const RunModelConfig = z.discriminatedUnion('family', [RnnConfig, TransformerConfig, MaskPredictConfig, PixelCnnConfigSchema, MaskedImageConfigSchema]);
export type RunModelConfig = z.infer<typeof RunModelConfig>;

/** describeModel for any run's model. */
export function describeRunModel(m: RunModelConfig): string {
  if (m.family === 'pixelcnn') return `PixelCNN ${m.channels} ch, 1+${m.residualBlocks} masked layers`;
  if (m.family === 'masked-image') return `Masked image model ${m.channels} ch, ${m.dilations.length} dilated blocks`;
  return describeModel(m);
}

/** The masked image model (the PixelCNN's non-autoregressive counterpart) lives in its own file too. */
export { MaskedImageConfig, DEFAULT_MASKED_IMAGE_CONFIG, type MaskedImageConfigInput } from './maskedImageConfig.ts';

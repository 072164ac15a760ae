import type { MaskPredictConfig, RnnConfig, TransformerConfig } from './config.ts';

/**
 * The text models' default shapes: what a new run gets for every size the person leaves out.
 * One set, read by the command line (`ars train`) and, through core/protocol, by the Text lab's
 * form. Pure: no imports but types.
 *
 * A Transformer's context has no fixed default: it is the training sequence length.
 */
export const RNN_DEFAULTS = {
  cell: 'lstm',
  embedding: 64,
  hidden: 256,
  layers: 1,
} as const satisfies Omit<RnnConfig, 'family' | 'vocabSize'>;

type TransformerShape = 'dModel' | 'heads' | 'layers' | 'ffn' | 'dropout';

/** Shared by the causal Transformer and the mask-predict (NAR) Transformer. */
export const TRANSFORMER_DEFAULTS = {
  dModel: 128,
  heads: 4,
  layers: 2,
  ffn: 512,
  dropout: 0,
} as const satisfies Pick<TransformerConfig, TransformerShape> & Pick<MaskPredictConfig, TransformerShape>;

/** The defaults of every text model family, by family. */
export const TEXT_MODEL_DEFAULTS = {
  rnn: RNN_DEFAULTS,
  transformer: TRANSFORMER_DEFAULTS,
  maskPredict: TRANSFORMER_DEFAULTS,
} as const;

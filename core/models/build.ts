import type { MaskPredictConfig, TextModelConfig, TransformerConfig } from './config.ts';
import { MaskPredictModel } from './maskPredict.ts';
import { RnnModel } from './rnn.ts';
import type { TextModel } from './textModel.ts';
import { TransformerModel } from './transformer.ts';

/** Builds a fresh model (seeded initial weights) from its plain configuration. */
export function buildTextModel(config: TextModelConfig | TransformerConfig | MaskPredictConfig, seed = 1): TextModel {
  switch (config.family) {
    case 'rnn':
      return new RnnModel(config, seed);
    case 'transformer':
      return new TransformerModel(config, seed);
    case 'maskPredict':
      return new MaskPredictModel(config, seed);
  }
}

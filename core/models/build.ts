import type { TextModelConfig } from './config.ts';
import { RnnModel } from './rnn.ts';
import type { TextModel } from './textModel.ts';

/** Builds a fresh model (seeded initial weights) from its plain configuration. */
export function buildTextModel(config: TextModelConfig, seed = 1): TextModel {
  switch (config.family) {
    case 'rnn':
      return new RnnModel(config, seed);
  }
}

import type { CharVocabulary } from '../data/vocabulary.ts';
import type { DecoderOptions, TextModel } from '../models/textModel.ts';
import { createRng } from '../rng.ts';
import type { SampleOptions } from './options.ts';
import { sampleToken } from './samplers.ts';
import { createBreather, type Breather } from './breathing.ts';
import { doneEvent, type TextGenerationEvent } from './textEvents.ts';

export type GenerationEvent = TextGenerationEvent;

/** The token a text starts from (before any prompt): a newline when the vocabulary has one. */
export function startToken(vocab: CharVocabulary): number {
  return vocab.has('\n') ? vocab.encode('\n')[0]! : 0;
}

/**
 * Autoregressive sampling, one token per step, streamed as events. Stops early when `signal`
 * aborts (the final event then says 'cancelled'). Same seed and options, same text.
 * `decoder.cache: false` recomputes the window for every token (the naive baseline).
 * `breathe` lets the event loop run between tokens (a race passes `noBreathing` and does it itself).
 */
export async function* generateAutoregressive(
  model: Pick<TextModel, 'createDecoder'>,
  vocab: CharVocabulary,
  options: SampleOptions,
  signal?: AbortSignal,
  decoderOptions?: DecoderOptions,
  breathe: Breather = createBreather(),
): AsyncGenerator<TextGenerationEvent> {
  const rng = createRng(options.seed);
  const prompt = vocab.encode(options.prompt); // unknown characters raise DatasetError before any work
  const decoder = model.createDecoder(decoderOptions);
  if (!decoder) throw new Error('this model does not generate left to right');
  const started = performance.now();
  const tokenIds: number[] = [];
  let reason: 'completed' | 'cancelled' = 'completed';
  try {
    let logits = decoder.feed(startToken(vocab));
    for (const id of prompt) logits = decoder.feed(id);
    for (let index = 0; index < options.length; index++) {
      if (signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      const { id, prob } = sampleToken(logits, options, rng);
      tokenIds.push(id);
      yield { kind: 'token', index, tokenId: id, text: vocab.token(id), prob };
      if (index + 1 < options.length) logits = decoder.feed(id);
      await breathe();
    }
  } finally {
    decoder.dispose();
  }
  yield doneEvent(reason, tokenIds, (ids) => vocab.decode(ids), tokenIds.length, started);
}

import type { CharVocabulary } from '../data/vocabulary.ts';
import type { TextModel } from '../models/textModel.ts';
import { createRng } from '../rng.ts';
import type { SampleOptions } from './options.ts';
import { sampleToken } from './samplers.ts';

export type GenerationEvent =
  | { kind: 'token'; index: number; tokenId: number; text: string; prob: number }
  | { kind: 'done'; reason: 'completed' | 'cancelled'; text: string; tokens: number; elapsedMs: number; msPerToken: number };

/** The token a prompt-less text starts from: a newline when the vocabulary has one. */
export function startToken(vocab: CharVocabulary): number {
  return vocab.has('\n') ? vocab.encode('\n')[0]! : 0;
}

/**
 * Autoregressive sampling, one token per step, streamed as events. Stops early when `signal`
 * aborts (the final event then says 'cancelled'). Same seed and options, same text.
 */
export async function* generateAutoregressive(
  model: Pick<TextModel, 'createDecoder'>,
  vocab: CharVocabulary,
  options: SampleOptions,
  signal?: AbortSignal,
): AsyncGenerator<GenerationEvent> {
  const rng = createRng(options.seed);
  const prompt = vocab.encode(options.prompt); // unknown characters raise DatasetError before any work
  const decoder = model.createDecoder();
  if (!decoder) throw new Error('this model does not generate left to right');
  const started = performance.now();
  let text = '';
  let produced = 0;
  let reason: 'completed' | 'cancelled' = 'completed';
  try {
    let logits = decoder.feed(startToken(vocab));
    for (const id of prompt) logits = decoder.feed(id);
    let lastYield = performance.now();
    for (let index = 0; index < options.length; index++) {
      if (signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      const { id, prob } = sampleToken(logits, options, rng);
      const ch = vocab.token(id);
      text += ch;
      produced++;
      yield { kind: 'token', index, tokenId: id, text: ch, prob };
      if (index + 1 < options.length) logits = decoder.feed(id);
      // Let the event loop breathe (cancel requests, other clients) at least every ~15 ms.
      if (performance.now() - lastYield > 15) {
        await new Promise((r) => setTimeout(r, 0));
        lastYield = performance.now();
      }
    }
  } finally {
    decoder.dispose();
  }
  const elapsedMs = performance.now() - started;
  yield { kind: 'done', reason, text, tokens: produced, elapsedMs, msPerToken: produced ? elapsedMs / produced : 0 };
}

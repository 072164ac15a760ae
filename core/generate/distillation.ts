import type { CharVocabulary } from '../data/vocabulary.ts';
import type { TextModel } from '../models/textModel.ts';
import { createRng } from '../rng.ts';
import { startToken } from './autoregressive.ts';
import { sampleToken } from './samplers.ts';

/** Progress of a distillation text: `done` of `total` characters written. */
export interface DistillationProgress {
  kind: 'distill-progress';
  done: number;
  total: number;
}

export interface DistillationText {
  /** The whole text, or null when the signal stopped it first. */
  text: string | null;
}

export interface DistillationOptions {
  /** Stops the generation between characters. */
  signal?: AbortSignal;
  /** Awaited between progress reports (a paused job holds here). */
  gate?: () => Promise<void>;
  /** Progress at most this often (ms); the first and the last always report. Default 100. */
  progressIntervalMs?: number;
}

/**
 * The text an autoregressive model writes for another model to learn from: one stream of
 * `characters` characters from the start token, sampled at `temperature` (no top-k or top-p)
 * with a generator seeded by `seed`, so the same model, seed and settings give the same text,
 * byte for byte. The KV-cache decoders (model.createDecoder()) slide their window past the
 * context, so the stream can be as long as asked. Yields progress; returns the text.
 */
export async function* generateDistillationText(
  model: Pick<TextModel, 'createDecoder'>,
  vocab: CharVocabulary,
  settings: { seed: number; temperature: number; characters: number },
  options: DistillationOptions = {},
): AsyncGenerator<DistillationProgress, DistillationText> {
  const { signal, gate } = options;
  const interval = options.progressIntervalMs ?? 100;
  const rng = createRng(settings.seed);
  const params = { temperature: settings.temperature, topK: 0, topP: 1 };
  const total = settings.characters;
  const decoder = model.createDecoder();
  if (!decoder) throw new Error('this model does not generate left to right');
  const ids = new Int32Array(total);
  try {
    yield { kind: 'distill-progress', done: 0, total };
    let logits = decoder.feed(startToken(vocab));
    let reported = performance.now();
    for (let i = 0; i < total; i++) {
      const id = sampleToken(logits, params, rng).id;
      ids[i] = id;
      if (i + 1 < total) logits = decoder.feed(id);
      if (performance.now() - reported >= interval) {
        yield { kind: 'distill-progress', done: i + 1, total };
        await gate?.();
        // Let cancel and pause requests (and other clients) through.
        await new Promise((r) => setTimeout(r, 0));
        reported = performance.now();
      }
      if (signal?.aborted) return { text: null };
    }
  } finally {
    decoder.dispose();
  }
  yield { kind: 'distill-progress', done: total, total };
  return { text: vocab.decode(ids) };
}

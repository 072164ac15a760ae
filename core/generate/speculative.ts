import * as tf from '@tensorflow/tfjs';
import type { CharVocabulary } from '../data/vocabulary.ts';
import type { MaskPredictModel } from '../models/maskPredict.ts';
import type { SpeculativeDecoder } from '../models/textModel.ts';
import { createRng } from '../rng.ts';
import { startToken } from './autoregressive.ts';
import type { SampleOptions } from './options.ts';
import { argmax, drawFrom, samplingDistribution } from './samplers.ts';
import { createBreather, doneEvent, type TextGenerationEvent } from './textEvents.ts';

export interface SpeculativeOptions extends SampleOptions {
  /** Tokens the NAR model drafts per round (k). */
  draft: number;
}

/**
 * Speculative decoding: the NAR model drafts k tokens in one parallel pass; the AR model checks
 * them in one pass and keeps the longest accepted prefix. Sampling uses the standard rejection
 * rule (accept x with probability min(1, p(x)/q(x)), else draw from norm(max(0, p − q))), so
 * the output follows the AR model's distribution exactly; at temperature 0 it is the AR greedy
 * text, token for token. Each round ends with one token from the AR model (the correction, or
 * a bonus token when every draft was accepted).
 */
export async function* generateSpeculative(
  ar: { createDecoder(): SpeculativeDecoder | null },
  nar: MaskPredictModel,
  vocab: CharVocabulary,
  options: SpeculativeOptions,
  signal?: AbortSignal,
): AsyncGenerator<TextGenerationEvent> {
  if (nar.config.vocabSize !== vocab.size) throw new Error('the NAR model and the AR model must share one vocabulary');
  const rng = createRng(options.seed);
  const greedy = options.temperature === 0;
  const decoder = ar.createDecoder();
  if (!decoder || !('feedMany' in decoder)) throw new Error('speculative decoding needs an AR model that can verify several tokens in one pass');
  const history = [startToken(vocab), ...vocab.encode(options.prompt)];
  const out: number[] = [];
  const started = performance.now();
  const breathe = createBreather();
  let steps = 0;
  let reason: 'completed' | 'cancelled' = 'completed';
  const dist = (logits: ArrayLike<number>) => samplingDistribution(logits, { ...options, temperature: greedy ? 1 : options.temperature });
  try {
    let next: Float32Array | null = decoder.feedMany(history).at(-1)!; // AR logits for the next position
    /** A token already emitted but not yet fed to the AR model: it rides along with the next verification. */
    let pending: number | null = null;
    steps++;
    const emit = function* (id: number, prob: number) {
      out.push(id);
      history.push(id);
      yield { kind: 'token' as const, index: out.length - 1, tokenId: id, text: vocab.token(id), prob };
    };
    while (out.length < options.length) {
      if (signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      const k = Math.min(options.draft, options.length - out.length - 1);
      if (k <= 0) {
        // One token left: the AR model alone.
        if (pending !== null) {
          next = decoder.feed(pending);
          steps++;
        }
        const p = dist(next!);
        const id = greedy ? argmax(next!) : drawFrom(p, rng);
        yield* emit(id, p[id]!);
        break;
      }
      // Draft: one NAR pass over k masked slots after the history.
      const prefix = history.slice(Math.max(0, history.length - (nar.config.context - k)));
      const ids = [...prefix, ...Array<number>(k).fill(nar.maskId)];
      const logits = tf.tidy(() => nar.predict(tf.tensor2d([ids], [1, ids.length], 'int32')));
      const all = logits.dataSync() as Float32Array;
      logits.dispose();
      const V = vocab.size;
      const draftIds: number[] = [];
      const q: Float64Array[] = [];
      for (let i = 0; i < k; i++) {
        const row = all.subarray((prefix.length + i) * V, (prefix.length + i + 1) * V);
        const qi = dist(row);
        q.push(qi);
        draftIds.push(greedy ? argmax(row) : drawFrom(qi, rng));
      }
      steps++;
      // Verify: one AR pass (the pending token, then the drafts) gives p at every draft position and one beyond.
      const before = decoder.length;
      let pLogits: Float32Array[];
      if (pending !== null) {
        pLogits = decoder.feedMany([pending, ...draftIds]);
      } else {
        pLogits = [next!, ...decoder.feedMany(draftIds)];
      }
      const fedPending = pending !== null ? 1 : 0;
      pending = null;
      next = null;
      steps++;
      let accepted = 0;
      let correction: { id: number; prob: number } | null = null;
      for (let i = 0; i < k; i++) {
        const x = draftIds[i]!;
        const p = dist(pLogits[i]!);
        const ok = greedy ? x === argmax(pLogits[i]!) : rng.next() < Math.min(1, p[x]! / q[i]![x]!);
        if (ok) {
          accepted++;
          continue;
        }
        if (greedy) {
          const id = argmax(pLogits[i]!);
          correction = { id, prob: p[id]! };
        } else {
          const residual = p.map((pv, v) => Math.max(0, pv - q[i]![v]!));
          const total = residual.reduce((a, b) => a + b, 0);
          const id = total > 0 ? drawFrom(residual.map((r) => r / total), rng) : drawFrom(p, rng);
          correction = { id, prob: p[id]! };
        }
        break;
      }
      yield { kind: 'draft', proposed: k, accepted, steps };
      for (let i = 0; i < accepted; i++) {
        const p = dist(pLogits[i]!);
        yield* emit(draftIds[i]!, p[draftIds[i]!]!);
      }
      if (correction) {
        decoder.truncate(before + fedPending + accepted);
        yield* emit(correction.id, correction.prob);
        pending = correction.id;
      } else {
        // Every draft accepted: the AR pass already gives the next distribution — a bonus token.
        const p = dist(pLogits[k]!);
        const id = greedy ? argmax(pLogits[k]!) : drawFrom(p, rng);
        yield* emit(id, p[id]!);
        pending = id;
      }
      await breathe();
    }
  } finally {
    decoder.dispose();
  }
  yield doneEvent(reason, out.slice(0, options.length), (ids) => vocab.decode(ids), steps, started);
}

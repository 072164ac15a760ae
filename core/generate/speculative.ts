import type { CharVocabulary } from '../data/vocabulary.ts';
import { createRng } from '../rng.ts';
import { startToken } from './autoregressive.ts';
import { createDrafter, type ArModel, type DraftModel } from './drafters.ts';
import type { SampleOptions } from './options.ts';
import { argmax, drawFrom, samplingDistribution } from './samplers.ts';
import { createBreather, type Breather } from './breathing.ts';
import { doneEvent, type TextGenerationEvent } from './textEvents.ts';

export interface SpeculativeOptions extends SampleOptions {
  /** Tokens the drafter proposes per round (k). */
  draft: number;
}

/**
 * Speculative decoding: a drafter proposes k tokens — a NAR model in one parallel pass, or a
 * small AR model in k sequential passes with its own KV cache — and the AR model checks them
 * all in one pass and keeps the longest accepted prefix. Sampling uses the standard rejection
 * rule (accept x with probability min(1, p(x)/q(x)), else draw from norm(max(0, p − q))), so
 * the output follows the AR model's distribution exactly; at temperature 0 it is the AR greedy
 * text, token for token. Each round ends with one token from the AR model (the correction, or a
 * bonus token when every draft was accepted), which rides along with the next verification.
 * `steps` counts sequential model passes: the AR passes plus the drafter's, both also reported
 * on their own in the final event. `breathe`: as in generateAutoregressive.
 */
export async function* generateSpeculative(
  ar: ArModel,
  drafterModel: DraftModel,
  vocab: CharVocabulary,
  options: SpeculativeOptions,
  signal?: AbortSignal,
  breathe: Breather = createBreather(),
): AsyncGenerator<TextGenerationEvent> {
  if (drafterModel.config.vocabSize !== vocab.size || ar.config.vocabSize !== vocab.size) throw new Error('the drafter and the AR model must share one vocabulary');
  const rng = createRng(options.seed);
  const greedy = options.temperature === 0;
  const history = [startToken(vocab), ...vocab.encode(options.prompt)];
  const decoder = ar.createDecoder();
  if (!('feedMany' in decoder)) throw new Error('speculative decoding needs an AR model that can verify several tokens in one pass');
  const drafter = createDrafter(drafterModel);
  const out: number[] = [];
  const started = performance.now();
  let arPasses = 0;
  let drafterPasses = 0;
  let reason: 'completed' | 'cancelled' = 'completed';
  const params = { temperature: greedy ? 1 : options.temperature, topK: options.topK, topP: options.topP };
  const dist = (logits: ArrayLike<number>) => samplingDistribution(logits, params);
  const sampling = { dist, greedy, rng };
  /** Tokens of the history the AR model has not seen yet (never empty at a verification: at first the start and prompt, then the last round's AR token). */
  let unfed: number[] = [...history];
  try {
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
      const left = options.length - out.length - 1;
      // A verification stays inside the AR model's window: one that crossed a slide and was then
      // cut back would rebuild the cache twice (for the new window, then for the old one again).
      const k = Math.min(options.draft, left, decoder.room() - unfed.length);
      if (k <= 0) {
        // One token left, or the window slides right here: the AR model alone.
        const logits = decoder.feedMany(unfed).at(-1)!;
        arPasses++;
        const p = dist(logits);
        const id = greedy ? argmax(logits) : drawFrom(p, rng);
        yield* emit(id, p[id]!);
        if (left <= 0) break;
        unfed = [id];
        await breathe();
        continue;
      }
      const draft = drafter.draft(history, k, sampling);
      drafterPasses += draft.passes;
      // Verify: one AR pass over the unseen tokens and the drafts gives p at every draft position and one beyond.
      const before = decoder.length;
      const pLogits = decoder.feedMany([...unfed, ...draft.ids]).slice(unfed.length - 1);
      const fed = unfed.length;
      arPasses++;
      let accepted = 0;
      let correction: { id: number; prob: number } | null = null;
      /** p at each draft position checked (the accepted ones' give their tokens' probabilities). */
      const ps: Float64Array[] = [];
      for (let i = 0; i < k; i++) {
        const x = draft.ids[i]!;
        const p = dist(pLogits[i]!);
        ps.push(p);
        const ok = greedy ? x === argmax(pLogits[i]!) : rng.next() < Math.min(1, p[x]! / draft.q[i]![x]!);
        if (ok) {
          accepted++;
          continue;
        }
        if (greedy) {
          const id = argmax(pLogits[i]!);
          correction = { id, prob: p[id]! };
        } else {
          const q = draft.q[i]!;
          const residual = p.map((pv, v) => Math.max(0, pv - q[v]!));
          const total = residual.reduce((a, b) => a + b, 0);
          const id = total > 0 ? drawFrom(residual.map((r) => r / total), rng) : drawFrom(p, rng);
          correction = { id, prob: p[id]! };
        }
        break;
      }
      yield { kind: 'draft', proposed: k, accepted, steps: arPasses + drafterPasses };
      for (let i = 0; i < accepted; i++) yield* emit(draft.ids[i]!, ps[i]![draft.ids[i]!]!);
      let last: { id: number; prob: number };
      if (correction) {
        decoder.truncate(before + fed + accepted);
        last = correction;
      } else {
        // Every draft accepted: the AR pass already gives the next distribution — a bonus token.
        const p = dist(pLogits[k]!);
        const id = greedy ? argmax(pLogits[k]!) : drawFrom(p, rng);
        last = { id, prob: p[id]! };
      }
      yield* emit(last.id, last.prob);
      unfed = [last.id];
      await breathe();
    }
  } finally {
    decoder.dispose();
    drafter.dispose();
  }
  const done = doneEvent(reason, out.slice(0, options.length), (ids) => vocab.decode(ids), arPasses + drafterPasses, started);
  yield { ...done, arPasses, drafterPasses };
}

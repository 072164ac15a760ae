import type { CharVocabulary } from '../data/vocabulary.ts';
import type { MaskPredictModel } from '../models/maskPredict.ts';
import { createRng, type Rng } from '../rng.ts';
import { startToken } from './autoregressive.ts';
import type { SampleOptions } from './options.ts';
import { sampleToken, type SamplingParams } from './samplers.ts';
import { createBreather, type Breather } from './breathing.ts';
import { choiceNoiseAfter, choiceRank, choiceStream } from './choiceNoise.ts';
import { doneEvent, type TextGenerationEvent } from './textEvents.ts';
import { spreadRadius, spreadRemask } from './spreadRemask.ts';

export interface MaskPredictOptions extends SampleOptions {
  /** Refinement passes T per block (1 = one shot). */
  iterations: number;
  /**
   * Keep apart what one pass predicted together (spreadRemask.ts; default true): false masks
   * again simply the least confident positions, as Ghazvininejad et al. 2019 do.
   */
  spread?: boolean;
}

/** How many positions pass t (0-based, t ≥ 1) re-masks out of n with T passes: n·(T−t)/T, at least 1. */
export function remaskCount(n: number, t: number, iterations: number): number {
  return Math.max(1, Math.floor((n * (iterations - t)) / iterations));
}

/**
 * Predicts every masked slot of `canvas` (in place) given `prefix`, one forward pass.
 * Returns each predicted slot's probability.
 */
export function predictSlots(
  model: MaskPredictModel,
  prefix: readonly number[],
  canvas: Int32Array,
  slots: readonly number[],
  params: SamplingParams,
  rng: Rng,
): Map<number, number> {
  const rows = model.predictRows([...prefix, ...canvas], slots.map((slot) => prefix.length + slot));
  const probs = new Map<number, number>();
  for (const [i, slot] of slots.entries()) {
    const { id, prob } = sampleToken(rows[i]!, params, rng);
    canvas[slot] = id;
    probs.set(slot, prob);
  }
  return probs;
}

/**
 * Non-autoregressive generation: all positions of a block at once, refined by mask-predict —
 * pass 1 predicts every slot; each later pass t re-masks the n·(T−t)/T least confident slots and
 * predicts them again, except that two slots the same pass predicted are not both kept when
 * they are close (`spread`: they were drawn independently of each other). Texts longer than the
 * model's context are made block by block, each block conditioned on what came before. Every
 * pass streams the whole canvas. `breathe`: as in generateAutoregressive.
 */
export async function* generateMaskPredict(
  model: MaskPredictModel,
  vocab: CharVocabulary,
  options: MaskPredictOptions,
  signal?: AbortSignal,
  breathe: Breather = createBreather(),
): AsyncGenerator<TextGenerationEvent> {
  const rng = createRng(options.seed);
  const choiceRng = choiceStream(options.seed);
  const choiceNoise = options.choiceNoise ?? 0;
  const context = model.config.context;
  const history = [startToken(vocab), ...vocab.encode(options.prompt)];
  const N = options.length;
  const out = new Int32Array(N).fill(-1);
  const probs = new Float64Array(N);
  const started = performance.now();
  let steps = 0;
  let iteration = 0;
  let reason: 'completed' | 'cancelled' = 'completed';
  let done = 0;
  blocks: while (done < N) {
    const remaining = N - done;
    // The whole rest in one block when it fits in the context (conditioned on as much of the
    // history as fits beside it); else blocks that leave half the context as conditioning.
    const block = remaining <= context ? remaining : Math.min(remaining, context - Math.min(history.length, Math.floor(context / 2)));
    const prefix = history.slice(Math.max(0, history.length - (context - block)));
    const canvas = new Int32Array(block).fill(model.maskId);
    const conf = new Float64Array(block);
    const lastPredicted: boolean[] = new Array<boolean>(block).fill(false);
    for (let t = 0; t < options.iterations; t++) {
      if (signal?.aborted) {
        reason = 'cancelled';
        break blocks;
      }
      let slots: number[];
      if (t === 0) slots = Array.from({ length: block }, (_, i) => i);
      else {
        const n = remaskCount(block, t, options.iterations);
        // (t is 0-based here: the ranking before pass t + 1 comes after pass t.)
        const scale = choiceNoiseAfter(choiceNoise, t, options.iterations);
        const rank = Float64Array.from(conf, (c) => choiceRank(c, scale, choiceRng));
        // Radius 0: plainly the n lowest ranks.
        slots = spreadRemask(rank, lastPredicted, n, options.spread === false ? 0 : spreadRadius(options.iterations));
        for (const s of slots) canvas[s] = model.maskId;
      }
      const p = predictSlots(model, prefix, canvas, slots, options, rng);
      lastPredicted.fill(false);
      for (const s of slots) lastPredicted[s] = true;
      for (const [s, q] of p) conf[s] = q;
      steps++;
      iteration++;
      for (let i = 0; i < block; i++) {
        out[done + i] = canvas[i]!;
        probs[done + i] = conf[i]!;
      }
      yield {
        kind: 'pass',
        iteration,
        tokens: [...out],
        text: [...out].map((id) => (id >= 0 ? vocab.token(id) : '')),
        probs: [...probs],
        predicted: slots.map((s) => done + s),
        steps,
      };
      await breathe();
    }
    history.push(...canvas);
    done += block;
  }
  yield doneEvent(reason, [...out].filter((id) => id >= 0), (ids) => vocab.decode(ids), steps, started);
}

import type { CharVocabulary } from '../data/vocabulary.ts';
import type { MaskPredictModel } from '../models/maskPredict.ts';
import type { SpeculativeDecoder } from '../models/textModel.ts';
import type { DecoderOptions } from '../models/textModel.ts';
import { generateAutoregressive, startToken } from './autoregressive.ts';
import { generateMaskPredict } from './maskPredictDecoding.ts';
import { RACE_LANES, type RaceOptions } from './options.ts';
import { laneLabel } from './raceLanes.ts';
import { scoreText, type TextQuality } from './quality.ts';
import { generateSpeculative } from './speculative.ts';
import type { TextGenerationEvent } from './textEvents.ts';

export const LANES = RACE_LANES;
export type LaneId = (typeof LANES)[number];

export interface ArModel {
  createDecoder(options?: DecoderOptions): SpeculativeDecoder;
}

export interface LaneResult extends TextQuality {
  lane: LaneId;
  label: string;
  text: string;
  tokens: number;
  steps: number;
  /** Time spent computing this lane (lanes interleave, so each is timed on its own). */
  wallMs: number;
  tokensPerSec: number;
  finishOrder: number;
  cancelled: boolean;
}

export type RaceEvent =
  | { kind: 'lane'; lane: LaneId; event: TextGenerationEvent; laneMs: number }
  | { kind: 'finished'; lane: LaneId; finishOrder: number; laneMs: number }
  | { kind: 'results'; lanes: LaneResult[] };

/** The generator for one strategy. */
export function laneGenerator(lane: LaneId, ar: ArModel, nar: MaskPredictModel, vocab: CharVocabulary, options: RaceOptions, signal?: AbortSignal): AsyncGenerator<TextGenerationEvent> {
  switch (lane) {
    case 'ar-naive':
      return generateAutoregressive(ar, vocab, options, signal, { cache: false });
    case 'ar-cache':
      return generateAutoregressive(ar, vocab, options, signal, { cache: true });
    case 'nar-1':
      return generateMaskPredict(nar, vocab, { ...options, iterations: 1 }, signal);
    case 'nar-k':
      return generateMaskPredict(nar, vocab, options, signal);
    case 'hybrid':
      return generateSpeculative(ar, nar, vocab, options, signal);
  }
}

/**
 * Runs the lanes side by side, live: each lane's time counts only its own work, and the lane
 * that is furthest behind in time always moves next. Ends with every lane's text scored on the same
 * footing under the AR model.
 */
export async function* runRace(ar: ArModel, nar: MaskPredictModel, vocab: CharVocabulary, options: RaceOptions, signal?: AbortSignal): AsyncGenerator<RaceEvent> {
  if (nar.config.vocabSize !== vocab.size) throw new Error('the AR and NAR runs must be trained on the same text (their vocabularies differ)');
  const lanes = [...(options.lanes ?? LANES)];
  const running = lanes.map((lane) => ({ lane, gen: laneGenerator(lane, ar, nar, vocab, options, signal), ms: 0, done: null as Extract<TextGenerationEvent, { kind: 'done' }> | null }));
  let order = 0;
  const finished = new Map<LaneId, number>();
  // Virtual parallel time: always advance the lane that has used the least time so far, so the
  // lanes progress as if each had a machine of its own, and finish in the order of their times.
  for (;;) {
    let r: (typeof running)[number] | undefined;
    for (const x of running) if (!x.done && (!r || x.ms < r.ms)) r = x;
    if (!r) break;
    const t0 = performance.now();
    const next = await r.gen.next();
    r.ms += performance.now() - t0;
    if (next.done) {
      r.done ??= { kind: 'done', reason: 'cancelled', text: '', tokenIds: [], tokens: 0, steps: 0, elapsedMs: r.ms, msPerToken: 0 };
      continue;
    }
    const event = next.value;
    yield { kind: 'lane', lane: r.lane, event, laneMs: r.ms };
    if (event.kind === 'done') {
      r.done = event;
      finished.set(r.lane, ++order);
      yield { kind: 'finished', lane: r.lane, finishOrder: order, laneMs: r.ms };
    }
  }
  const context = [startToken(vocab), ...vocab.encode(options.prompt)];
  const results: LaneResult[] = running.map((r) => {
    const d = r.done!;
    const scorer = ar.createDecoder();
    try {
      return {
        lane: r.lane,
        label: laneLabel(r.lane, options),
        text: d.text,
        tokens: d.tokens,
        steps: d.steps,
        wallMs: r.ms,
        tokensPerSec: r.ms > 0 ? (d.tokens / r.ms) * 1000 : 0,
        finishOrder: finished.get(r.lane)!,
        cancelled: d.reason === 'cancelled',
        ...scoreText(scorer, context, d.tokenIds),
      };
    } finally {
      scorer.dispose();
    }
  });
  yield { kind: 'results', lanes: results };
}

export interface ScalingPoint {
  lane: LaneId;
  length: number;
  ms: number;
  steps: number;
}

/**
 * Latency against output length for each strategy, each run alone to completion: after one
 * discarded warm-up run per strategy, the median of `repeats` runs (fewer for slow points, so the
 * chart finishes in reasonable time).
 */
export async function* measureScaling(
  ar: ArModel,
  nar: MaskPredictModel,
  vocab: CharVocabulary,
  options: RaceOptions,
  lengths: readonly number[],
  signal?: AbortSignal,
  repeats = 3,
): AsyncGenerator<ScalingPoint> {
  const lanes = options.lanes ?? LANES;
  const once = async (lane: LaneId, length: number) => {
    const t0 = performance.now();
    let steps = 0;
    for await (const e of laneGenerator(lane, ar, nar, vocab, { ...options, length }, signal)) if (e.kind === 'done') steps = e.steps;
    return { ms: performance.now() - t0, steps };
  };
  for (const lane of lanes) await once(lane, Math.min(...lengths));
  for (const length of lengths) {
    for (const lane of lanes) {
      if (signal?.aborted) return;
      const runs = [await once(lane, length)];
      // Repeat quick points only: a second of extra measuring at most.
      while (runs.length < repeats && runs[0]!.ms * (runs.length + 1) < 1000 && !signal?.aborted) runs.push(await once(lane, length));
      runs.sort((a, b) => a.ms - b.ms);
      const median = runs[Math.floor(runs.length / 2)]!;
      yield { lane, length, ms: median.ms, steps: median.steps };
    }
  }
}

import type { CharVocabulary } from '../data/vocabulary.ts';
import type { MaskPredictModel } from '../models/maskPredict.ts';
import { generateAutoregressive, startToken } from './autoregressive.ts';
import type { ArModel, DraftModel } from './drafters.ts';
import { generateMaskPredict } from './maskPredictDecoding.ts';
import { RACE_LANES, type RaceOptions } from './options.ts';
import { laneLabel } from './raceLanes.ts';
import { scoreText, type TextQuality } from './quality.ts';
import { generateSpeculative } from './speculative.ts';
import { createBreather, noBreathing, type Breather } from './breathing.ts';
import type { TextGenerationEvent } from './textEvents.ts';

export type { ArModel, DraftModel } from './drafters.ts';

export const LANES = RACE_LANES;
export type LaneId = (typeof LANES)[number];

/** The models a race runs: the AR model, the NAR model, and what drafts for the hybrid (the NAR model unless given). */
export interface RaceModels {
  ar: ArModel;
  nar: MaskPredictModel;
  drafter?: DraftModel;
}

export interface LaneResult extends TextQuality {
  lane: LaneId;
  label: string;
  text: string;
  tokens: number;
  /** Sequential model passes (for the hybrid: its AR passes plus its drafter's). */
  steps: number;
  /** Time spent computing this lane (lanes interleave, so each is timed on its own), after a warm-up. */
  wallMs: number;
  tokensPerSec: number;
  finishOrder: number;
  cancelled: boolean;
  /** The hybrid: AR verification passes, drafter passes, and tokens gained per AR pass. */
  arPasses?: number;
  drafterPasses?: number;
  tokensPerArPass?: number;
}

export type RaceEvent =
  | { kind: 'lane'; lane: LaneId; event: TextGenerationEvent; laneMs: number }
  | { kind: 'finished'; lane: LaneId; finishOrder: number; laneMs: number }
  | { kind: 'results'; lanes: LaneResult[] };

/** The generator for one strategy (`breathe`: see generateAutoregressive). */
export function laneGenerator(
  lane: LaneId,
  models: RaceModels,
  vocab: CharVocabulary,
  options: RaceOptions,
  signal?: AbortSignal,
  breathe: Breather = createBreather(),
): AsyncGenerator<TextGenerationEvent> {
  const { ar, nar } = models;
  switch (lane) {
    case 'ar-naive':
      return generateAutoregressive(ar, vocab, options, signal, { cache: false }, breathe);
    case 'ar-cache':
      return generateAutoregressive(ar, vocab, options, signal, { cache: true }, breathe);
    case 'nar-1':
      return generateMaskPredict(nar, vocab, { ...options, iterations: 1 }, signal, breathe);
    case 'nar-k':
      return generateMaskPredict(nar, vocab, options, signal, breathe);
    case 'hybrid':
      return generateSpeculative(ar, models.drafter ?? nar, vocab, options, signal, breathe);
  }
}

/** AR warm-ups stay short: a few tokens reach every code path (their cost grows with length). */
const AR_WARM_UP_TOKENS = 4;

/**
 * Runs `lane` once and discards it, so that first-use costs (a model's inference engine, kernel
 * set-up, buffers of the shapes the lane uses) fall outside the lane's clock. NAR lanes warm up at
 * the race length (shapes matter on some backends), with up to two passes (the later passes
 * predict fewer rows); AR lanes and the hybrid with a few tokens (the hybrid: two draft rounds).
 */
export async function warmUpLane(lane: LaneId, models: RaceModels, vocab: CharVocabulary, options: RaceOptions, signal?: AbortSignal): Promise<void> {
  const short = (n: number) => Math.min(options.length, n);
  const warm: RaceOptions =
    lane === 'nar-1' || lane === 'nar-k'
      ? { ...options, iterations: Math.min(options.iterations, 2) }
      : { ...options, length: short(lane === 'hybrid' ? 2 * options.draft + 2 : AR_WARM_UP_TOKENS) };
  for await (const e of laneGenerator(lane, models, vocab, warm, signal)) void e;
}

function checkVocabularies(models: RaceModels, vocab: CharVocabulary): void {
  if (models.nar.config.vocabSize !== vocab.size || models.ar.config.vocabSize !== vocab.size)
    throw new Error('the AR and NAR runs must be trained on the same text (their vocabularies differ)');
  if (models.drafter && models.drafter.config.vocabSize !== vocab.size) throw new Error('the drafter must be trained on the same text as the AR run (their vocabularies differ)');
}

/**
 * Runs the lanes side by side, live: each lane is warmed up first, each lane's time counts only
 * its own work, and the lane that is furthest behind in time always moves next. The lanes do
 * not yield to the event loop themselves: the race does, between steps, outside every clock
 * (a lane that did it inside would pay for the other lanes' and the event loop's time). Ends
 * with every lane's text scored on the same footing under the AR model.
 */
export async function* runRace(models: RaceModels, vocab: CharVocabulary, options: RaceOptions, signal?: AbortSignal): AsyncGenerator<RaceEvent> {
  checkVocabularies(models, vocab);
  const lanes = [...(options.lanes ?? LANES)];
  for (const lane of lanes) if (!signal?.aborted) await warmUpLane(lane, models, vocab, options, signal);
  const running = lanes.map((lane) => ({ lane, gen: laneGenerator(lane, models, vocab, options, signal, noBreathing), ms: 0, done: null as Extract<TextGenerationEvent, { kind: 'done' }> | null }));
  const breathe = createBreather();
  let order = 0;
  const finished = new Map<LaneId, number>();
  // Virtual parallel time: always advance the lane that has used the least time so far, so the
  // lanes progress as if each had a machine of its own, and finish in the order of their times.
  for (;;) {
    let r: (typeof running)[number] | undefined;
    for (const x of running) if (!x.done && (!r || x.ms < r.ms)) r = x;
    if (!r) break;
    await breathe();
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
    const scorer = models.ar.createDecoder();
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
        ...(r.lane === 'hybrid' ? hybridPasses(d) : {}),
      };
    } finally {
      scorer.dispose();
    }
  });
  yield { kind: 'results', lanes: results };
}

/** The hybrid's passes: AR and drafter apart, and the tokens each AR pass gained on average. */
function hybridPasses(d: Extract<TextGenerationEvent, { kind: 'done' }>): Pick<LaneResult, 'arPasses' | 'drafterPasses' | 'tokensPerArPass'> {
  const arPasses = d.arPasses ?? 0;
  return { arPasses, drafterPasses: d.drafterPasses ?? 0, tokensPerArPass: arPasses > 0 ? d.tokens / arPasses : 0 };
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
  models: RaceModels,
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
    for await (const e of laneGenerator(lane, models, vocab, { ...options, length }, signal)) if (e.kind === 'done') steps = e.steps;
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

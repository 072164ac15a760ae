/**
 * The Race as the screen shows it: lane names and blurbs in the current language (core's
 * English names, through core/protocol, stay the CSV's and the CLI's), each lane's live view built from the worker's lane events, and the lengths the scaling
 * chart measures. Pure (no runes): race.svelte.ts holds the state and feeds it through these.
 */
import type { LaneEvent } from '../../../core/protocol/messages.ts';
import { defaultDraft, RACE_LANES, type LaneSettings, type RaceLaneId } from '../../../core/protocol/schemas.ts';
import { numberText, ordinalText, translate } from './i18n/translate.ts';
import { maskedCells, passCells, typedCell, type TokenCell } from './tokenCells.ts';

export type RaceLane = RaceLaneId;
export const LANES: readonly RaceLane[] = RACE_LANES;
export type { LaneSettings };

/** A lane's name, by its id ("AR + KV cache", "NAR, mask-predict (T=4)"). */
export function laneLabel(lane: RaceLane, s: LaneSettings): string {
  return translate(`race.lanes.${lane}`, { t: s.iterations, k: s.draft });
}

/** A frontier point's name: the strategy and its setting ("mask-predict T=4", "hybrid k=8"). */
export function frontierLabel(p: { strategy: 'ar-naive' | 'ar-cache' | 'mask-predict' | 'hybrid'; iterations?: number; draft?: number }): string {
  return translate(`race.frontier.${p.strategy}`, { t: p.iterations ?? '?', k: p.draft ?? '?' });
}

/** What a lane does, in a sentence. */
export function laneBlurb(lane: RaceLane, s: LaneSettings): string {
  return translate(`race.blurbs.${lane}`, { t: s.iterations, k: s.draft });
}

/** Whether a lane fills a canvas in parallel passes (else it types left to right). */
export function isCanvasLane(lane: RaceLane): boolean {
  return lane === 'nar-1' || lane === 'nar-k';
}

/** One lane as it is drawn while the race runs. */
export interface LaneView {
  lane: RaceLane;
  label: string;
  cells: TokenCell[];
  /** Sequential model passes so far. */
  steps: number;
  /** Characters produced so far (filled slots for NAR lanes). */
  tokens: number;
  /** This lane's own compute time so far. */
  laneMs: number;
  /** NAR lanes: passes so far. */
  passes: number;
  /** Hybrid: speculative rounds, drafted and accepted characters. */
  rounds: number;
  proposed: number;
  accepted: number;
  /** Hybrid: accepted draft characters of the current round still to arrive. */
  awaiting: number;
  finishOrder: number | null;
  finished: boolean;
  cancelled: boolean;
}

export function newLaneView(lane: RaceLane, length: number, s: LaneSettings): LaneView {
  return {
    lane,
    label: laneLabel(lane, s),
    cells: isCanvasLane(lane) ? maskedCells(length) : [],
    steps: 0,
    tokens: 0,
    laneMs: 0,
    passes: 0,
    rounds: 0,
    proposed: 0,
    accepted: 0,
    awaiting: 0,
    finishOrder: null,
    finished: false,
    cancelled: false,
  };
}

/** Applies one of the lane's events (mutates `view`, which may be a reactive proxy). */
export function applyLaneEvent(view: LaneView, e: LaneEvent, laneMs: number): void {
  view.laneMs = laneMs;
  switch (e.kind) {
    case 'token': {
      let round: number | null = null;
      if (view.awaiting > 0) {
        round = view.rounds;
        view.awaiting--;
      }
      view.cells[e.index] = typedCell(e.text, e.prob, round);
      view.tokens = Math.max(view.tokens, e.index + 1);
      // AR lanes take one pass a character; the hybrid counts its passes in its draft events.
      if (view.lane !== 'hybrid') view.steps = Math.max(view.steps, view.tokens);
      break;
    }
    case 'pass':
      view.cells = passCells(e);
      view.passes = e.iteration;
      view.steps = e.steps;
      view.tokens = e.tokens.filter((id) => id >= 0).length;
      break;
    case 'draft':
      view.rounds++;
      view.proposed += e.proposed;
      view.accepted += e.accepted;
      view.awaiting = e.accepted;
      view.steps = e.steps;
      break;
    case 'done':
      view.steps = e.steps;
      view.tokens = e.tokens;
      view.finished = true;
      view.cancelled = e.reason === 'cancelled';
      view.awaiting = 0;
      for (const c of view.cells) c.fresh = false;
      break;
  }
}

/** Characters per second of lane time. */
export function tokensPerSecond(tokens: number, ms: number): number {
  return ms > 0 ? (tokens / ms) * 1000 : 0;
}

/** "1st", "2nd", "3rd", "4th" … ("第 1 名" … in Chinese). */
export function ordinal(n: number): string {
  return ordinalText(n);
}

/** The lengths the scaling chart measures up to `max`: 16, 32, 64, … (doubling; `max` itself last). */
export function scalingLengths(max: number, min = 16): number[] {
  const lengths: number[] = [];
  for (let n = min; n < max && lengths.length < 15; n *= 2) lengths.push(n);
  lengths.push(Math.max(1, Math.floor(max)));
  return [...new Set(lengths)].sort((a, b) => a - b);
}

/** The choices for the longest length the scaling chart measures. */
export const SCALING_MAXIMA = [64, 128, 256, 512] as const;

/** Above this, the naive AR lane (which re-reads the whole window per character) takes a while. */
export const SLOW_SCALING_LENGTH = 512;

/** A run as the race's pickers list it: its name, then what the name does not already say. */
export function runOptionLabel(run: { name: string; dataset: string; checkpointStep: number | null }, model: string): string {
  const parts = [run.name];
  if (!run.name.includes(model)) parts.push(model);
  if (!run.name.includes(run.dataset)) parts.push(run.dataset);
  parts.push(run.checkpointStep === null ? translate('jobs.noCheckpoint') : translate('jobs.step', { step: numberText(run.checkpointStep, { useGrouping: false }) }));
  return parts.join(' · ');
}

/**
 * The draft length once the hybrid's drafter changes between the NAR run and a small AR run: one
 * still at the old drafter's default becomes the new one's (defaultDraft), one the person typed stays.
 */
export function draftForDrafter(draft: number, fromAr: boolean, toAr: boolean): number {
  return draft === defaultDraft(fromAr) ? defaultDraft(toAr) : draft;
}

/**
 * The hybrid's possible AR drafters, those distilled from the chosen AR run first (each group in
 * the order given): a drafter that trained on the AR model's own text agrees with its choices far
 * more often (docs/DISTILLATION.md), so it is the one to try first.
 */
export function orderDrafters<R extends { distilledFrom?: string }>(runs: readonly R[], arRunId: string | undefined): R[] {
  const fromAr = (r: R) => distilledFromAr(r, arRunId);
  return [...runs.filter(fromAr), ...runs.filter((r) => !fromAr(r))];
}

/** Whether `run` was distilled from the AR run `arRunId` (none chosen: no). */
export function distilledFromAr(run: { distilledFrom?: string }, arRunId: string | undefined): boolean {
  return arRunId !== undefined && run.distilledFrom === arRunId;
}

/**
 * The AR run a race starts from when none is chosen: the first (newest) that was not distilled
 * from another of the choices — a drafter made for an AR run is not the run to race — else the first.
 */
export function defaultArRun<R extends { id: string; distilledFrom?: string }>(choices: readonly R[]): R | undefined {
  return choices.find((r) => !choices.some((c) => c.id === r.distilledFrom)) ?? choices[0];
}

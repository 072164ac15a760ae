import type { RACE_LANES, RaceOptions } from './options.ts';

/** One of the race's strategies. */
export type RaceLaneId = (typeof RACE_LANES)[number];

/** What a lane's name depends on: the mask-predict passes and the hybrid's draft length. */
export type LaneSettings = Pick<RaceOptions, 'iterations' | 'draft'>;

/**
 * A lane's name: the one wording the CLI's results table (through each result's `label`) and the
 * Race screen (through core/protocol) both show. Pure, so the renderer may use it.
 */
export function laneLabel(lane: RaceLaneId, s: LaneSettings): string {
  switch (lane) {
    case 'ar-naive':
      return 'AR, naive';
    case 'ar-cache':
      return 'AR + KV cache';
    case 'nar-1':
      return 'NAR, one shot (T=1)';
    case 'nar-k':
      return `NAR, mask-predict (T=${s.iterations})`;
    case 'hybrid':
      return `Hybrid (draft ${s.draft})`;
  }
}

/** A frontier point's name: the strategy and its setting ("mask-predict T=4", "hybrid k=8"). Pure, for the CLI and the Race screen. */
export function frontierLabel(p: { strategy: 'ar-naive' | 'ar-cache' | 'mask-predict' | 'hybrid'; iterations?: number; draft?: number }): string {
  switch (p.strategy) {
    case 'ar-naive':
      return 'AR naive';
    case 'ar-cache':
      return 'AR + cache';
    case 'mask-predict':
      return `mask-predict T=${p.iterations ?? '?'}`;
    case 'hybrid':
      return `hybrid k=${p.draft ?? '?'}`;
  }
}

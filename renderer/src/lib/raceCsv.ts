import type { LaneResult } from '../../../core/protocol/messages.ts';
import { csvTable } from './csv.ts';
// The CSV keeps core's English lane names whatever the UI's language: a file format, not a label.
import { laneLabel } from '../../../core/protocol/schemas.ts';
import type { LaneSettings, RaceLane } from './race.ts';

/** A race's results as CSV, in finishing order: every figure of the results table and each lane's text (after the prompt). */
export function raceCsv(results: readonly LaneResult[], prompt: string, settings: LaneSettings): string {
  const rows = [...results].sort((a, b) => a.finishOrder - b.finishOrder);
  return csvTable(
    ['finish', 'lane', 'steps', 'wall_ms', 'tokens_per_s', 'tokens', 'nll_per_token', 'perplexity', 'repetition', 'distinct_1', 'distinct_2', 'cancelled', 'prompt', 'text'],
    rows.map((r) => [
      r.finishOrder,
      laneLabel(r.lane, settings),
      r.steps,
      r.wallMs,
      r.tokensPerSec,
      r.tokens,
      r.nll,
      r.perplexity,
      r.repetition,
      r.distinct1,
      r.distinct2,
      r.cancelled ? 'yes' : 'no',
      prompt,
      r.text,
    ]),
  );
}

/** Latency-against-length measurements as CSV: one row per lane and length. */
export function scalingCsv(points: readonly { lane: RaceLane; length: number; ms: number; steps: number }[], settings: LaneSettings): string {
  const rows = [...points].sort((a, b) => a.lane.localeCompare(b.lane) || a.length - b.length);
  return csvTable(['lane', 'length', 'ms', 'steps'], rows.map((p) => [laneLabel(p.lane, settings), p.length, p.ms, p.steps]));
}

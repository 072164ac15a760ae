import type { LaneResult } from '../../../core/protocol/messages.ts';
import { csvTable } from './csv.ts';
import { laneLabel, type LaneSettings } from './race.ts';

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

import type { MetricRecord } from '../../../core/protocol/messages.ts';
import { csvTable } from './csv.ts';

const COLUMNS = ['step', 'time', 'trainLoss', 'valLoss', 'tokensPerSec', 'lr', 'valNatsPerImage', 'valBitsPerDim'] as const;

/**
 * A run's metrics as CSV: one row per recorded step, a column per figure any row has (time as
 * an ISO date), empty cells where a step lacks one (validation runs every N steps).
 */
export function metricsCsv(metrics: readonly MetricRecord[]): string {
  const columns = COLUMNS.filter((c) => c === 'step' || metrics.some((m) => m[c] !== undefined));
  return csvTable(
    columns,
    metrics.map((m) => columns.map((c) => (c === 'time' ? new Date(m.time).toISOString() : m[c]))),
  );
}

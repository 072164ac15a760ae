import type { MetricRecord } from '../../../core/protocol/messages.ts';

const COLUMNS = ['step', 'time', 'trainLoss', 'valLoss', 'tokensPerSec', 'lr', 'valNatsPerImage', 'valBitsPerDim'] as const;

/**
 * A run's metrics as CSV: one row per recorded step, a column per figure any row has (time as
 * an ISO date), empty cells where a step lacks one (validation runs every N steps).
 */
export function metricsCsv(metrics: readonly MetricRecord[]): string {
  const columns = COLUMNS.filter((c) => c === 'step' || metrics.some((m) => m[c] !== undefined));
  const cell = (m: MetricRecord, c: (typeof COLUMNS)[number]) => {
    const v = m[c];
    if (v === undefined) return '';
    return c === 'time' ? new Date(v).toISOString() : String(v);
  };
  return [columns.join(','), ...metrics.map((m) => columns.map((c) => cell(m, c)).join(','))].join('\n') + '\n';
}

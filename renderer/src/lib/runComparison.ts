import type { RunDetail } from '../../../core/protocol/messages.ts';
import type { Point } from './points.ts';
import { translate } from './i18n/translate.ts';

/** Which loss the comparison draws, and against what. */
export type CompareMetric = 'val' | 'train';
/**
 * Steps; what the model has seen by then (tokens or images: runs with other batch sizes line
 * up); or training time in seconds (each step's units over its measured throughput, summed:
 * pauses and validations left out), where faster models pull ahead.
 */
export type CompareAxis = 'step' | 'seen' | 'time';

export interface ComparedSeries {
  id: string;
  name: string;
  points: Point[];
}

/** Tokens (text runs) or images (PixelCNN runs) one training step of `run` sees. */
export function seenPerStep(run: Pick<RunDetail, 'config'>): number {
  const c = run.config as { batch: number; seq?: number };
  return c.seq === undefined ? c.batch : c.batch * c.seq;
}

/** One series per run: its validation (or training) loss by step, by what it has seen, or by training time. */
export function comparisonSeries(runs: readonly RunDetail[], metric: CompareMetric, axis: CompareAxis): ComparedSeries[] {
  return runs.map((run) => {
    const perStep = seenPerStep(run);
    let seconds = 0;
    let previousStep = 0;
    const points = run.metrics.flatMap((m) => {
      // Every step between two records ran at about the later record's throughput (records may be thinned).
      if (m.tokensPerSec !== undefined && m.tokensPerSec > 0) seconds += ((m.step - previousStep) * perStep) / m.tokensPerSec;
      previousStep = m.step;
      const y = metric === 'val' ? m.valLoss : m.trainLoss;
      if (y === undefined || !Number.isFinite(y)) return [];
      const x = axis === 'seen' ? m.step * perStep : axis === 'time' ? seconds : m.step;
      return [{ x, y }];
    });
    return { id: run.id, name: run.name, points };
  });
}

/** What makes the curves not comparable as they stand, in sentences (empty when nothing does). */
export function comparisonCaveats(runs: readonly RunDetail[]): string[] {
  const out: string[] = [];
  const families = new Set(runs.map((r) => r.model.family));
  const images = families.has('pixelcnn') || families.has('masked-image');
  if (images && families.size > 1) out.push(translate('runs.caveatImages'));
  const text = runs.filter((r) => r.model.family !== 'pixelcnn' && r.model.family !== 'masked-image');
  if (text.some((r) => r.model.family === 'maskPredict') && text.some((r) => r.model.family !== 'maskPredict')) {
    out.push(translate('runs.caveatMaskPredict'));
  }
  if (new Set(text.map((r) => r.dataset)).size > 1) out.push(translate('runs.caveatDatasets'));
  return out;
}

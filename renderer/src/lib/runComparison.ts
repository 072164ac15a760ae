import type { RunDetail } from '../../../core/protocol/messages.ts';
import type { Point } from './chart.ts';

/** Which loss the comparison draws, and against what. */
export type CompareMetric = 'val' | 'train';
/** Steps, or what the model has seen by then (tokens or images: runs with other batch sizes line up). */
export type CompareAxis = 'step' | 'seen';

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

/** One series per run: its validation (or training) loss by step or by what it has seen. */
export function comparisonSeries(runs: readonly RunDetail[], metric: CompareMetric, axis: CompareAxis): ComparedSeries[] {
  return runs.map((run) => {
    const scale = axis === 'seen' ? seenPerStep(run) : 1;
    const points = run.metrics.flatMap((m) => {
      const y = metric === 'val' ? m.valLoss : m.trainLoss;
      return y === undefined || !Number.isFinite(y) ? [] : [{ x: m.step * scale, y }];
    });
    return { id: run.id, name: run.name, points };
  });
}

/** What makes the curves not comparable as they stand, in sentences (empty when nothing does). */
export function comparisonCaveats(runs: readonly RunDetail[]): string[] {
  const out: string[] = [];
  const families = new Set(runs.map((r) => r.model.family));
  const images = families.has('pixelcnn');
  if (images && families.size > 1) out.push('PixelCNN losses are nats per pixel, text losses nats per character: the scales do not compare.');
  const text = runs.filter((r) => r.model.family !== 'pixelcnn');
  if (text.some((r) => r.model.family === 'maskPredict') && text.some((r) => r.model.family !== 'maskPredict')) {
    out.push("A mask-predict (NAR) model's loss is over the hidden characters only, with the rest of the window visible: a different task from next-character prediction, so a lower curve is not a better model.");
  }
  if (new Set(text.map((r) => r.dataset)).size > 1) out.push('The text runs trained on different texts: their losses measure different things.');
  return out;
}

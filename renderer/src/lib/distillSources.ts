/**
 * Which runs a new model may be distilled from (sequence-level distillation): causal text runs
 * (Transformer or recurrent) with a checkpoint, trained on the same data. Pure, tested on its own.
 */
import type { RunSummary } from '../../../core/protocol/messages.ts';
import { numberText, translate } from './i18n/translate.ts';

/** The runs to offer for `dataset` (the chosen corpus's name, or the opened file's), newest first as given. */
export function distillSources(runs: readonly RunSummary[], dataset: string | null): RunSummary[] {
  if (dataset === null) return [];
  return runs.filter((r) => (r.model.family === 'transformer' || r.model.family === 'rnn') && r.checkpointStep !== null && r.dataset === dataset);
}

/** "Generating distillation text 12,000/94,000" (in the current language). */
export function distillLabel(p: { done: number; total: number }): string {
  return translate('training.distillProgress', { done: numberText(p.done), total: numberText(p.total) });
}

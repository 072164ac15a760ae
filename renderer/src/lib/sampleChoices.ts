/**
 * Which runs the Sample panel offers: the text runs, newest first; those with a checkpoint can be
 * sampled, the others are shown greyed with why. Pure (no runes), so it is tested on its own.
 */
import type { RunSummary } from '../../../core/protocol/messages.ts';
import { numberText, translate } from './i18n/translate.ts';

export interface SampleChoice {
  run: RunSummary;
  /** Null: it can be sampled; else why not, in a few words. */
  why: string | null;
}

/** Whether a run belongs to the text panel (PixelCNN and masked image runs go to the Image lab). */
export function isTextRun(r: Pick<RunSummary, 'model'>): boolean {
  return r.model.family !== 'pixelcnn' && r.model.family !== 'masked-image';
}

/** Why a run cannot be sampled (it has no checkpoint), or null when it can. */
export function notSampleableReason(r: Pick<RunSummary, 'checkpointStep' | 'state' | 'step' | 'totalSteps'>): string | null {
  if (r.checkpointStep !== null) return null;
  if (r.state === 'training') return translate('sample.noCheckpointTraining', { step: numberText(r.step), total: numberText(r.totalSteps) });
  if (r.state === 'failed') return translate('sample.failedBeforeCheckpoint');
  return translate('sample.noCheckpoint');
}

/** The text runs, newest first, each with why it cannot be sampled (null: it can). */
export function sampleChoices(list: readonly RunSummary[]): SampleChoice[] {
  return list
    .filter(isTextRun)
    .toSorted((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((run) => ({ run, why: notSampleableReason(run) }));
}

/**
 * The run the panel samples: the one the person chose while it is still listed, else the newest
 * run that can be sampled (null when none can).
 */
export function chosenSampleRun(choices: readonly SampleChoice[], picked: string | null): string | null {
  if (picked !== null && choices.some((c) => c.run.id === picked)) return picked;
  return choices.find((c) => c.why === null)?.run.id ?? null;
}

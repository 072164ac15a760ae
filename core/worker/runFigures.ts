import { isImageModel } from '../models/config.ts';
import { unigramEntropy } from '../data/unigramEntropy.ts';
import type { RunDetail } from '../protocol/messages.ts';
import type { MetricLine, RunHandle } from '../runs/runStore.ts';

/**
 * The figures a text run's detail carries beside its curves: the unigram entropy of its training
 * text (the loss of a model that ignores context) and, for a mask-predict run, maskedLoss50 at its
 * last validation. A PixelCNN run has neither; a run whose text cannot be read shows no baseline.
 */
export async function textRunFigures(run: RunHandle, metrics: readonly MetricLine[]): Promise<Pick<RunDetail, 'unigramEntropy' | 'maskedLoss50'>> {
  if (isImageModel(run.meta.model)) return {};
  const entropy = await run.readCorpus().then(unigramEntropy, () => undefined);
  const last = metrics.findLast((m) => m.maskedLoss50 != null)?.maskedLoss50;
  return { ...(entropy === undefined ? {} : { unigramEntropy: entropy }), ...(last == null ? {} : { maskedLoss50: last }) };
}

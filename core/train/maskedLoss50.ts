import * as tf from '@tensorflow/tfjs';
import { sampleBatch } from '../data/textDataset.ts';
import { maskHalf } from '../models/halfMask.ts';
import type { MaskedBatch } from '../models/maskPredict.ts';
import { createRng } from '../rng.ts';

/** What the evaluation needs of a mask-predict model. */
export interface HalfMaskable {
  readonly maskId: number;
  maskedLoss(m: MaskedBatch, training: boolean): tf.Scalar;
}

/** The seed of the fixed evaluation draw (windows and masked positions) unless one is given. */
export const MASKED_LOSS_50_SEED = 50;

/**
 * maskedLoss50: a mask-predict model's masked-LM loss (nats per hidden character) on `evalBatches`
 * fixed batches of `seq`-character windows of `ids` (the validation split), each window with
 * exactly half its positions hidden and no prompt — the same windows and the same positions at
 * every call for a seed, whatever masking the model trained with, so runs and recipes compare.
 */
export async function maskedLoss50(
  model: HalfMaskable,
  ids: Int32Array,
  shape: { batch: number; seq: number; evalBatches: number },
  seed = MASKED_LOSS_50_SEED,
): Promise<number> {
  const rng = createRng(seed);
  let total = 0;
  for (let i = 0; i < shape.evalBatches; i++) {
    const b = sampleBatch(ids, shape.batch, shape.seq, rng);
    const loss = tf.tidy(() => model.maskedLoss(maskHalf(b.inputs, b.batch, b.seq, model.maskId, rng), false));
    try {
      total += (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
  }
  return total / shape.evalBatches;
}

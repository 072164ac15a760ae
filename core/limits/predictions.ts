import * as tf from '@tensorflow/tfjs';
import { argmax, sampleToken } from '../generate/samplers.ts';
import type { TextModel } from '../models/textModel.ts';
import { TransformerModel } from '../models/transformer.ts';
import type { Rng } from '../rng.ts';

/**
 * What an AR model predicts at each position of known texts given the true text before it
 * (teacher forcing). Texts that fit the model go through in one batched pass; a Transformer's
 * longer texts go token by token through its decoder, which slides its window over them as
 * generation does.
 */

/** Logit rows → predicted ids (greedy, or sampled with `rng` at temperature 1). */
function choose(row: Float32Array, rng: Rng | null): number {
  return rng ? sampleToken(row, { temperature: 1, topK: 0, topP: 1 }, rng).id : argmax(row);
}

/**
 * For each text (same length n), the model's prediction of tokens `from` … n−1, each given
 * tokens 0 … i−1 of that text. Greedy unless `rng` is given (then sampled, temperature 1).
 */
export function teacherForced(model: TextModel, texts: readonly Int32Array[], from: number, rng: Rng | null = null): number[][] {
  if (texts.length === 0) return [];
  const n = texts[0]!.length;
  const fits = !(model instanceof TransformerModel) || n - 1 <= model.config.context;
  if (fits) return batched(model, texts, from, rng);
  return texts.map((text) => viaDecoder(model, text, from, rng));
}

function batched(model: TextModel, texts: readonly Int32Array[], from: number, rng: Rng | null): number[][] {
  const n = texts[0]!.length;
  const B = texts.length;
  const inputs = new Int32Array(B * (n - 1));
  texts.forEach((t, b) => inputs.set(t.subarray(0, n - 1), b * (n - 1)));
  const logits = tf.tidy(() => model.logits(tf.tensor2d(inputs, [B, n - 1], 'int32')));
  const data = logits.dataSync() as Float32Array;
  const V = logits.shape[2];
  logits.dispose();
  return texts.map((_, b) => {
    const out: number[] = [];
    // The logits at position i − 1 predict token i.
    for (let i = from; i < n; i++) out.push(choose(data.subarray((b * (n - 1) + i - 1) * V, (b * (n - 1) + i) * V), rng));
    return out;
  });
}

function viaDecoder(model: TextModel, text: Int32Array, from: number, rng: Rng | null): number[] {
  const decoder = model.createDecoder();
  if (!decoder) throw new Error('this model does not generate left to right');
  try {
    const out: number[] = [];
    for (let i = 0; i < text.length - 1; i++) {
      const logits = decoder.feed(text[i]!);
      if (i + 1 >= from) out.push(choose(logits, rng));
    }
    return out;
  } finally {
    decoder.dispose();
  }
}

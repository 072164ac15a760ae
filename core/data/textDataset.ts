import { DatasetError } from '../errors.ts';
import { CharVocabulary } from './vocabulary.ts';
import type { Rng } from '../rng.ts';

export interface TokenBatch {
  /** [batch, seq] token ids, row-major. */
  inputs: Int32Array;
  /** The inputs shifted left by one position: targets[b, t] = text[start_b + t + 1]. */
  targets: Int32Array;
  batch: number;
  seq: number;
}

/** A corpus encoded with its vocabulary and split into a training and a validation part. */
export class TextDataset {
  private constructor(
    readonly name: string,
    readonly vocab: CharVocabulary,
    readonly train: Int32Array,
    readonly validation: Int32Array,
  ) {}

  /**
   * Encodes `text`; the last `valFraction` of it becomes the validation split (a contiguous
   * tail, so no training window overlaps the validation text).
   */
  static fromText(name: string, text: string, options: { valFraction: number; vocab?: CharVocabulary }): TextDataset {
    if (text.length === 0) throw new DatasetError(`the text "${name}" is empty: choose a file that contains text`);
    const vocab = options.vocab ?? CharVocabulary.fromText(text);
    const ids = vocab.encode(text);
    const valLength = Math.max(1, Math.floor(ids.length * options.valFraction));
    const train = ids.subarray(0, ids.length - valLength);
    const validation = ids.subarray(ids.length - valLength);
    return new TextDataset(name, vocab, train, validation);
  }

  /** Throws DatasetError when a split is too short for one window of `seq` + 1 tokens. */
  checkFits(seq: number): void {
    const need = seq + 1;
    if (this.train.length < need || this.validation.length < need) {
      const total = this.train.length + this.validation.length;
      throw new DatasetError(
        `the text "${this.name}" is too short: it has ${total} characters, but a sequence length of ${seq} needs at least ` +
          `${need} characters in both the training and the validation part (about ${Math.ceil(need / 0.1)} in all at the default 10% validation split). ` +
          `Use a longer text or a shorter sequence length.`,
      );
    }
  }
}

/** `batch` random windows of `seq` + 1 tokens from `ids`. */
export function sampleBatch(ids: Int32Array, batch: number, seq: number, rng: Rng): TokenBatch {
  const maxStart = ids.length - seq - 1;
  if (maxStart < 0) throw new DatasetError(`a sequence of ${seq} tokens does not fit in ${ids.length} tokens`);
  const inputs = new Int32Array(batch * seq);
  const targets = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const start = Math.floor(rng.next() * (maxStart + 1));
    inputs.set(ids.subarray(start, start + seq), b * seq);
    targets.set(ids.subarray(start + 1, start + seq + 1), b * seq);
  }
  return { inputs, targets, batch, seq };
}

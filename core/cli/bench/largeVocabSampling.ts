/**
 * `ars bench` sampling at a Chinese-sized vocabulary: 4,000 characters instead of the 96 of the
 * other figures, the same model shapes, batch 1. At this size the embedding and the output
 * projection (hidden × vocabulary per token) dominate a step, and the sampler's softmax runs over
 * 4,000 logits: ms per token for the LSTM and the Transformer's KV-cache decoder, ms for one
 * mask-predict pass (T = 1) over 64 positions.
 */
import { CharVocabulary } from '../../data/vocabulary.ts';
import { generateMaskPredict } from '../../generate/maskPredictDecoding.ts';
import { sampleToken } from '../../generate/samplers.ts';
import { MaskPredictConfig, RnnConfig, TransformerConfig } from '../../models/config.ts';
import { MaskPredictModel } from '../../models/maskPredict.ts';
import { RnnModel } from '../../models/rnn.ts';
import type { Decoder } from '../../models/textModel.ts';
import { TransformerModel } from '../../models/transformer.ts';
import { createRng } from '../../rng.ts';
import { readableOnHost } from '../../tensor/hostCopy.ts';
import type { JobResult, Measured } from './jobs.ts';
import { median, timeRepeats, type RepeatPlan } from './measure.ts';

export const LARGE_VOCAB = 4000;
const SEQ = 64;
const SAMPLE_TOKENS = 256;
const SAMPLING = { temperature: 1, topK: 0, topP: 1 };
// The shapes of the 96-character figures (jobs.ts), so the two compare.
const LSTM_SHAPE = { family: 'rnn', cell: 'lstm', vocabSize: LARGE_VOCAB, embedding: 128, hidden: 256, layers: 1 } as const;
const TRANSFORMER_SHAPE = { vocabSize: LARGE_VOCAB, dModel: 128, heads: 4, layers: 2, ffn: 512, context: SEQ, dropout: 0 };

function spread(times: number[], unit: string, scale: number, digits: number): string {
  return `min ${(Math.min(...times) * scale).toFixed(digits)} · max ${(Math.max(...times) * scale).toFixed(digits)} ${unit}, ${times.length} runs`;
}

/** ms per token for SAMPLE_TOKENS tokens, fed and sampled one at a time (as jobs.ts measures the 96-character figures). */
async function decodeLatency(makeDecoder: () => Decoder, plan: RepeatPlan): Promise<Measured> {
  let seed = 1;
  const run = (tokens: number) => {
    const rng = createRng(seed++);
    const decoder = makeDecoder();
    try {
      let logits = decoder.feed(0);
      for (let i = 0; i < tokens; i++) {
        const { id } = sampleToken(logits, SAMPLING, rng);
        if (i + 1 < tokens) logits = decoder.feed(id);
      }
    } finally {
      decoder.dispose();
    }
  };
  run(16); // compile paths before the timed runs
  const times = await timeRepeats(plan, () => run(SAMPLE_TOKENS));
  return { value: median(times) / SAMPLE_TOKENS, repeats: times.length, detail: spread(times, 'ms/token', 1 / SAMPLE_TOKENS, 3) };
}

/** 4,000 CJK characters (U+4E00 on), a newline first (the generators start from it). */
export function largeBenchVocabulary(): CharVocabulary {
  return CharVocabulary.fromJSON(['\n', ...Array.from({ length: LARGE_VOCAB - 1 }, (_, i) => String.fromCodePoint(0x4e00 + i))]);
}

export async function largeVocabSamplingBench(): Promise<JobResult> {
  const result: JobResult = {};
  const plan: RepeatPlan = { warmup: 1, minRepeats: 5, maxRepeats: 15, budgetMs: 3000 };

  const lstm = new RnnModel(RnnConfig.parse(LSTM_SHAPE), 1);
  try {
    await readableOnHost(lstm.weights.values());
    result['sample.vocab4k.lstm'] = await decodeLatency(() => lstm.createDecoder(), plan);
  } finally {
    lstm.dispose();
  }

  const transformer = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...TRANSFORMER_SHAPE }), 1);
  try {
    await readableOnHost(transformer.weights.values());
    result['sample.vocab4k.transformer.kv'] = await decodeLatency(() => transformer.createDecoder(), plan);
  } finally {
    transformer.dispose();
  }

  const nar = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...TRANSFORMER_SHAPE }), 1);
  const vocab = largeBenchVocabulary();
  try {
    await readableOnHost(nar.weights.values());
    let seed = 1;
    const run = async () => {
      for await (const e of generateMaskPredict(nar, vocab, { length: SEQ, prompt: '', ...SAMPLING, seed: seed++, iterations: 1 })) void e;
    };
    const times = await timeRepeats({ warmup: 1, minRepeats: 5, maxRepeats: 20, budgetMs: 3000 }, run);
    result['sample.vocab4k.nar.t1'] = { value: median(times), repeats: times.length, detail: `1 pass; ${spread(times, 'ms', 1, 1)}` };
  } finally {
    nar.dispose();
  }
  return result;
}

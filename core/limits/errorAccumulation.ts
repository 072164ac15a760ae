import { generateAutoregressive } from '../generate/autoregressive.ts';
import { buildTextModel } from '../models/build.ts';
import type { TransformerConfig } from '../models/config.ts';
import { createRng, type Rng } from '../rng.ts';
import { finalTokens } from './generated.ts';
import { chunksRight, firstError, perPositionAccuracy } from './metrics.ts';
import { teacherForced } from './predictions.ts';
import type { AccumulationPoint, LimitsResult } from './schemas.ts';
import { COUNT_DIGITS, COUNT_WIDTH, countingRow, countingText, countingVocabulary, randomInt, START } from './tasks.ts';
import { rowsTask, trainForLimits, type ExperimentEvent } from './training.ts';

export interface AccumulationScale {
  transformer: Omit<TransformerConfig, 'family' | 'vocabSize'>;
  steps: number;
  batch: number;
  lr: number;
  /** Numbers given as the prompt, and numbers to write after it. */
  promptNumbers: number;
  numbers: number;
  examples: number;
}

export const ACCUMULATION_FULL: AccumulationScale = {
  transformer: { dModel: 64, heads: 4, layers: 2, ffn: 128, context: 16, dropout: 0, tiedOutput: true },
  steps: 400,
  batch: 32,
  lr: 5e-3,
  promptNumbers: 2,
  numbers: 40,
  examples: 48,
};

export const ACCUMULATION_QUICK: AccumulationScale = {
  transformer: { dModel: 16, heads: 2, layers: 1, ffn: 32, context: 12, dropout: 0, tiedOutput: true },
  steps: 4,
  batch: 4,
  lr: 5e-3,
  promptNumbers: 1,
  numbers: 5,
  examples: 4,
};

/**
 * Error accumulation: counting ("041 042 043 …"), a task with exactly one right continuation.
 * An AR Transformer learns it; then, from the same prompts, each later number is scored when
 * the model is given the true count before it (teacher forcing) and when it runs on its own
 * output (free running), both sampling at temperature 1. Position i is the i-th number written.
 */
export async function* accumulationExperiment(seed: number, scale: AccumulationScale, signal?: AbortSignal): AsyncGenerator<ExperimentEvent> {
  const vocab = countingVocabulary();
  const config = { family: 'transformer', vocabSize: vocab.size, ...scale.transformer } as const;
  const model = buildTextModel(config, seed);
  const seq = scale.transformer.context;
  const makeRow = (rng: Rng) => countingRow(seq + 1, rng);
  try {
    yield* trainForLimits(rowsTask(model, vocab, makeRow, { batch: scale.batch, seq, seed }), { steps: scale.steps, lr: scale.lr, seed }, 'training the Transformer', signal, {
      role: 'transformer',
      name: 'Limits · accumulation · Transformer',
      dataset: `counting task (seed ${seed})`,
      model,
      config,
      vocab,
      makeRow,
      batch: scale.batch,
      seq,
    });
    if (signal?.aborted) return;
    const rng = createRng((seed * 31337 + 1) >>> 0);
    const teacher: boolean[][] = [];
    const free: boolean[][] = [];
    const promptChars = scale.promptNumbers * COUNT_WIDTH;
    const answerChars = scale.numbers * COUNT_WIDTH;
    for (let k = 0; k < scale.examples; k++) {
      if (signal?.aborted) return;
      const start = randomInt(0, 10 ** COUNT_DIGITS - 1, rng);
      const count = countingText(start, scale.promptNumbers + scale.numbers);
      const prompt = count.slice(0, promptChars);
      const truth = count.slice(promptChars);
      // Teacher forcing: each character sampled given the true text before it.
      const text = vocab.encode(START + count);
      const forced = teacherForced(model, [text], 1 + promptChars, rng)[0]!;
      teacher.push(chunksRight(vocab.decode(forced), truth, COUNT_WIDTH));
      // Free running: the model's own characters.
      const own = await finalTokens(
        generateAutoregressive(model, vocab, { prompt, length: answerChars, temperature: 1, topK: 0, topP: 1, seed: seed * 1000 + k, iterations: 1 }, signal),
      );
      if (own === null) return;
      free.push(chunksRight(vocab.decode(own), truth, COUNT_WIDTH));
      yield { kind: 'progress', phase: 'measuring', step: k + 1, total: scale.examples };
    }
    const points: AccumulationPoint[] = [];
    const teacherAcc = perPositionAccuracy(teacher, scale.numbers);
    const freeAcc = perPositionAccuracy(free, scale.numbers);
    for (let i = 0; i < scale.numbers; i++) {
      points.push({ mode: 'teacher', position: i + 1, accuracy: teacherAcc[i]! });
      points.push({ mode: 'free', position: i + 1, accuracy: freeAcc[i]! });
    }
    const firsts = free.map(firstError);
    const firstErrors = Array.from({ length: scale.numbers }, (_, i) => ({ position: i + 1, share: firsts.filter((f) => f === i).length / free.length }));
    yield { kind: 'result', result: accumulationResult(points, firsts, scale.numbers, firstErrors) };
  } finally {
    model.dispose();
  }
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function accumulationResult(
  points: AccumulationPoint[],
  firsts: (number | null)[],
  numbers: number,
  firstErrors: { position: number; share: number }[],
): LimitsResult {
  const at = (mode: AccumulationPoint['mode']) => points.find((p) => p.mode === mode && p.position === numbers)?.accuracy ?? 0;
  const slipped = firsts.filter((f): f is number => f !== null).sort((a, b) => a - b);
  const median = slipped.length ? slipped[Math.floor(slipped.length / 2)]! + 1 : null;
  const caption =
    `Given the true count before it, the model writes the ${numbers}th number right ${pct(at('teacher'))} of the time; running on its own output, ` +
    `one slip carries into every later number (${slipped.length} of ${firsts.length} samples slipped${median === null ? '' : `, half of them by number ${median}`}), so only ${pct(at('free'))} get the ${numbers}th right.`;
  return { experiment: 'accumulation', firstErrors, points, caption };
}

import { buildTextModel } from '../models/build.ts';
import type { RnnConfig, TransformerConfig } from '../models/config.ts';
import type { TextModel } from '../models/textModel.ts';
import { createRng, type Rng } from '../rng.ts';
import { accuracy } from './metrics.ts';
import { teacherForced } from './predictions.ts';
import type { ContextPoint, LimitsResult } from './schemas.ts';
import { copyRow, copyStart, copyWeights, copyText, copyVocabulary, randomSource } from './tasks.ts';
import { rowsTask, trainForLimits, type ExperimentEvent } from './training.ts';

/** The sizes of the context experiment (full, and quick for tests). */
export interface ContextScale {
  /** The Transformer's window. */
  context: number;
  transformer: Omit<TransformerConfig, 'family' | 'vocabSize' | 'context'>;
  lstm: Omit<RnnConfig, 'family' | 'vocabSize' | 'cell'>;
  /** Longest source the LSTM trains on (it has no window: it sees every length it is tested at). */
  lstmTrainLength: number;
  steps: { transformer: number; lstm: number };
  batch: number;
  lr: number;
  lengths: number[];
  examples: number;
}

export const CONTEXT_FULL: ContextScale = {
  context: 16,
  transformer: { dModel: 64, heads: 4, layers: 2, ffn: 128, dropout: 0, tiedOutput: true },
  lstm: { embedding: 32, hidden: 128, layers: 1 },
  lstmTrainLength: 32,
  steps: { transformer: 700, lstm: 400 },
  batch: 16,
  lr: 5e-3,
  lengths: [4, 6, 7, 12, 16, 24, 32],
  examples: 48,
};

export const CONTEXT_QUICK: ContextScale = {
  context: 12,
  transformer: { dModel: 16, heads: 2, layers: 1, ffn: 32, dropout: 0, tiedOutput: true },
  lstm: { embedding: 8, hidden: 16, layers: 1 },
  lstmTrainLength: 8,
  steps: { transformer: 4, lstm: 4 },
  batch: 4,
  lr: 3e-3,
  lengths: [4, 24],
  examples: 4,
};

/** The longest source whose copy fits in a window of `context` tokens (START, source, separator, copy less its last token). */
export function longestFitting(context: number): number {
  return Math.floor((context - 1) / 2);
}

/**
 * Context length: a copy task (a random string, a separator, the same string again). Trains a
 * causal Transformer on copies that fit its window and an LSTM of similar size, then measures
 * the accuracy of the copied part (each token given the true text before it) against the
 * string's length, up to twice the window.
 */
export async function* contextExperiment(seed: number, scale: ContextScale, signal?: AbortSignal): AsyncGenerator<ExperimentEvent> {
  const vocab = copyVocabulary();
  const C = scale.context;
  const fits = longestFitting(C);
  const transformerConfig = { family: 'transformer', vocabSize: vocab.size, context: C, ...scale.transformer } as const;
  const transformer = buildTextModel(transformerConfig, seed);
  const lstmSeq = 2 * scale.lstmTrainLength + 2;
  const lstmConfig = { family: 'rnn', cell: 'lstm', vocabSize: vocab.size, ...scale.lstm } as const;
  const lstm = buildTextModel(lstmConfig, seed + 1);
  const dataset = `copy task (seed ${seed})`;
  const transformerRow = (rng: Rng) => copyRow(C + 1, 1, fits, rng);
  const lstmRow = (rng: Rng) => copyRow(lstmSeq + 1, 1, scale.lstmTrainLength, rng);
  try {
    yield* trainForLimits(
      rowsTask(transformer, vocab, transformerRow, { batch: scale.batch, seq: C, seed }, copyWeights),
      { steps: scale.steps.transformer, lr: scale.lr, seed },
      'training the Transformer',
      signal,
      { role: 'transformer', name: 'Limits · context · Transformer', dataset, model: transformer, config: transformerConfig, vocab, makeRow: transformerRow, batch: scale.batch, seq: C },
    );
    if (signal?.aborted) return;
    yield* trainForLimits(
      rowsTask(lstm, vocab, lstmRow, { batch: scale.batch, seq: lstmSeq, seed }, copyWeights),
      { steps: scale.steps.lstm, lr: scale.lr, seed: seed + 1 },
      'training the LSTM',
      signal,
      { role: 'lstm', name: 'Limits · context · LSTM', dataset, model: lstm, config: lstmConfig, vocab, makeRow: lstmRow, batch: scale.batch, seq: lstmSeq },
    );
    if (signal?.aborted) return;
    const points: ContextPoint[] = [];
    const models: [ContextPoint['model'], TextModel][] = [
      ['transformer', transformer],
      ['lstm', lstm],
    ];
    let done = 0;
    for (const L of scale.lengths) {
      const rng = createRng((seed * 7919 + L) >>> 0);
      const texts = Array.from({ length: scale.examples }, () => vocab.encode(copyText(randomSource(L, rng))));
      for (const [name, model] of models) {
        if (signal?.aborted) return;
        const predicted = teacherForced(model, texts, copyStart(L));
        const acc = predicted.reduce((sum, p, i) => sum + accuracy(p, Array.from(texts[i]!.subarray(copyStart(L)))), 0) / texts.length;
        points.push({ model: name, length: L, accuracy: acc });
        yield { kind: 'progress', phase: 'measuring', step: ++done, total: scale.lengths.length * models.length };
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    yield { kind: 'result', result: contextResult(C, fits, points) };
  } finally {
    transformer.dispose();
    lstm.dispose();
  }
}

const pct = (x: number | undefined) => `${Math.round((x ?? 0) * 100)}%`;

function contextResult(context: number, fits: number, points: ContextPoint[]): LimitsResult {
  const of = (model: ContextPoint['model']) => points.filter((p) => p.model === model);
  const t = of('transformer');
  const l = of('lstm');
  const inWindow = t.filter((p) => p.length <= fits);
  const tIn = inWindow.length ? Math.min(...inWindow.map((p) => p.accuracy)) : undefined;
  const tLast = t.at(-1);
  const caption =
    `The Transformer copies at least ${pct(tIn)} of a string whose copy fits its ${context}-token window but ${pct(tLast?.accuracy)} ` +
    `at length ${tLast?.length ?? 0}, once the source has left the window; the LSTM has no window, but its memory fades ` +
    `from ${pct(l[0]?.accuracy)} at length ${l[0]?.length ?? 0} to ${pct(l.at(-1)?.accuracy)} at ${l.at(-1)?.length ?? 0}.`;
  return { experiment: 'context', context, fits, points, caption };
}

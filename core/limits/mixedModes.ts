import { generateAutoregressive } from '../generate/autoregressive.ts';
import { generateMaskPredict } from '../generate/maskPredictDecoding.ts';
import { buildTextModel } from '../models/build.ts';
import type { TransformerConfig } from '../models/config.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import type { TextModel } from '../models/textModel.ts';
import { createRng, type Rng } from '../rng.ts';
import { finalTokens } from './generated.ts';
import { mixCounts } from './metrics.ts';
import type { LimitsResult, ModesPoint, ModesStrategy } from './schemas.ts';
import { MODE_PROMPTS, MODE_UNITS, modesExample, modesText, modesVocabulary, START } from './tasks.ts';
import { maskedRowsTask, rowsTask, trainForLimits, type ExperimentEvent } from './training.ts';

type Shape = Omit<TransformerConfig, 'family' | 'vocabSize' | 'context' | 'tiedOutput'>;

export interface ModesScale {
  /** Characters of every answer. */
  length: number;
  model: Shape;
  steps: { ar: number; nar: number; distilled: number };
  batch: number;
  lr: number;
  /** Outputs generated per strategy. */
  samples: number;
}

export const MODES_FULL: ModesScale = {
  length: 12,
  model: { dModel: 64, heads: 4, layers: 2, ffn: 128, dropout: 0 },
  steps: { ar: 150, nar: 250, distilled: 150 },
  batch: 32,
  lr: 5e-3,
  samples: 100,
};

export const MODES_QUICK: ModesScale = {
  length: 6,
  model: { dModel: 16, heads: 2, layers: 1, ffn: 32, dropout: 0 },
  steps: { ar: 3, nar: 3, distilled: 3 },
  batch: 4,
  lr: 5e-3,
  samples: 4,
};

/** Prompt length in a row: START and one digit. */
const PROMPT = 2;

/**
 * Mixed modes: every prompt (a digit) goes on either "abcabc…" or "xyzxyz…", with equal chance.
 * An AR Transformer and a NAR (mask-predict) Transformer learn the task; a second NAR learns
 * the AR model's greedy outputs instead (distillation). Each strategy then writes answers at
 * temperature 1, and the share that is neither answer (a mixture of the two) is counted.
 */
export async function* modesExperiment(seed: number, scale: ModesScale, signal?: AbortSignal): AsyncGenerator<ExperimentEvent> {
  const vocab = modesVocabulary();
  const width = PROMPT + scale.length;
  const context = width;
  const arConfig = { family: 'transformer', vocabSize: vocab.size, context, tiedOutput: true, ...scale.model } as const;
  const narConfig = { family: 'maskPredict', vocabSize: vocab.size, context, positions: 'learned', localContext: 0, ...scale.model } as const;
  const ar = buildTextModel(arConfig, seed);
  const nar = new MaskPredictModel(narConfig, seed + 1);
  const distilled = new MaskPredictModel(narConfig, seed + 2);
  const taskRow = (rng: Rng) => modesText(modesExample(scale.length, rng));
  const kept = (role: string, label: string, model: TextModel, config: typeof arConfig | typeof narConfig, makeRow: (rng: Rng) => string) => ({
    role,
    name: `Limits · modes · ${label}`,
    dataset: `two-answer task (seed ${seed})`,
    model,
    config,
    vocab,
    makeRow,
    batch: scale.batch,
    seq: width - 1,
  });
  try {
    yield* trainForLimits(
      rowsTask(ar, vocab, taskRow, { batch: scale.batch, seq: width - 1, seed }),
      { steps: scale.steps.ar, lr: scale.lr, seed },
      'training the AR model',
      signal,
      kept('ar', 'AR Transformer', ar, arConfig, taskRow),
    );
    if (signal?.aborted) return;
    yield* trainForLimits(
      maskedRowsTask(nar, vocab, taskRow, { batch: scale.batch, length: width, promptLength: PROMPT, seed }),
      { steps: scale.steps.nar, lr: scale.lr, seed: seed + 1 },
      'training the NAR model',
      signal,
      kept('nar', 'NAR Transformer', nar, narConfig, taskRow),
    );
    if (signal?.aborted) return;
    // Distillation: the AR model's greedy answer to every prompt is the NAR's training text.
    const teacher = new Map<string, string>();
    for (const prompt of MODE_PROMPTS) {
      const ids = await finalTokens(generateAutoregressive(ar, vocab, { prompt, length: scale.length, temperature: 0, topK: 0, topP: 1, seed, iterations: 1 }, signal));
      if (ids === null) return;
      teacher.set(prompt, vocab.decode(ids));
    }
    yield* trainForLimits(
      maskedRowsTask(distilled, vocab, (rng) => distilledRow(teacher, rng), { batch: scale.batch, length: width, promptLength: PROMPT, seed }),
      { steps: scale.steps.distilled, lr: scale.lr, seed: seed + 2 },
      'training the distilled NAR model',
      signal,
      kept('distilled', 'distilled NAR Transformer', distilled, narConfig, (rng) => distilledRow(teacher, rng)),
    );
    if (signal?.aborted) return;

    const strategies: [ModesStrategy, (prompt: string, seed: number) => Promise<number[] | null>][] = [
      ['ar', (prompt, s) => finalTokens(generateAutoregressive(ar, vocab, sampling(prompt, scale.length, s, 1), signal))],
      ['nar-1', (prompt, s) => finalTokens(generateMaskPredict(nar, vocab, sampling(prompt, scale.length, s, 1), signal))],
      ['mask-predict-4', (prompt, s) => finalTokens(generateMaskPredict(nar, vocab, sampling(prompt, scale.length, s, 4), signal))],
      ['mask-predict-10', (prompt, s) => finalTokens(generateMaskPredict(nar, vocab, sampling(prompt, scale.length, s, 10), signal))],
      ['nar-distilled', (prompt, s) => finalTokens(generateMaskPredict(distilled, vocab, sampling(prompt, scale.length, s, 1), signal))],
    ];
    const points: ModesPoint[] = [];
    let done = 0;
    for (const [strategy, generate] of strategies) {
      const rng = createRng((seed * 7907 + 17) >>> 0);
      const outputs: string[] = [];
      for (let k = 0; k < scale.samples; k++) {
        const ids = await generate(MODE_PROMPTS[Math.floor(rng.next() * MODE_PROMPTS.length)]!, seed * 100_003 + k);
        if (ids === null) return;
        outputs.push(vocab.decode(ids));
      }
      points.push({ strategy, ...mixCounts(outputs, scale.length), examples: outputs.slice(0, 6) });
      yield { kind: 'progress', phase: 'generating', step: ++done, total: strategies.length };
    }
    yield { kind: 'result', result: modesResult(points) };
  } finally {
    for (const m of [ar, nar, distilled] as TextModel[]) m.dispose();
  }
}

function sampling(prompt: string, length: number, seed: number, iterations: number) {
  return { prompt, length, temperature: 1, topK: 0, topP: 1, seed, iterations };
}

function distilledRow(teacher: ReadonlyMap<string, string>, rng: Rng): string {
  const prompt = MODE_PROMPTS[Math.floor(rng.next() * MODE_PROMPTS.length)]!;
  return `${START}${prompt}${teacher.get(prompt)!}`;
}

const pct = (x: number | undefined) => `${Math.round((x ?? 0) * 100)}%`;

function modesResult(strategies: ModesPoint[]): LimitsResult {
  const rate = (s: ModesStrategy) => strategies.find((p) => p.strategy === s)?.mixRate;
  const caption =
    `Writing every position at once, the NAR model mixes the two right answers in ${pct(rate('nar-1'))} of its outputs against ${pct(rate('ar'))} for ` +
    `the AR model, which commits to one with its first character; mask-predict's 10 passes leave ${pct(rate('mask-predict-10'))} mixed, ` +
    `and a NAR model trained on the AR model's own outputs (distillation) ${pct(rate('nar-distilled'))} in one pass.`;
  return { experiment: 'modes', answers: [MODE_UNITS[0], MODE_UNITS[1]], strategies, caption };
}


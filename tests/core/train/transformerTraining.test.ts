import { beforeAll, describe, expect, it } from 'vitest';
import { TextDataset } from '../../../core/data/textDataset.ts';
import { buildTextModel } from '../../../core/models/build.ts';
import { TextModelConfig } from '../../../core/models/config.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { textTrainingTask } from '../../../core/train/task.ts';
import { Trainer, type TrainerEvent } from '../../../core/train/trainer.ts';
import { useAppBackend } from '../../helpers/backend.ts';
import { REPETITIVE_TEXT, unigramEntropy } from '../../helpers/corpus.ts';

beforeAll(useAppBackend);

async function finalValLoss(family: 'transformer' | 'maskPredict', steps: number, lr: number): Promise<number> {
  const dataset = TextDataset.fromText('cats', REPETITIVE_TEXT, { valFraction: 0.1 });
  const config = TrainConfig.parse({
    model: { family, dModel: 32, heads: 4, layers: 2, ffn: 64, context: 32 },
    data: { kind: 'builtin', name: 'sonnets' },
    steps,
    batch: 16,
    seq: 32,
    lr,
    warmupSteps: 10,
    evalEvery: steps,
    checkpointEvery: 10_000,
  });
  const model = buildTextModel(TextModelConfig.parse({ ...config.model, vocabSize: dataset.vocab.size }), 1);
  const optimizer = new AdamOptimizer(model.weights);
  const trainer = new Trainer({ task: textTrainingTask(model, dataset, config), optimizer, config, startStep: 0, hooks: { saveCheckpoint: async () => {}, recordMetrics: async () => {} } });
  let val = Infinity;
  for await (const e of trainer.run()) if ((e as TrainerEvent).kind === 'progress' && (e as { valLoss?: number }).valLoss !== undefined) val = (e as { valLoss: number }).valLoss;
  model.dispose();
  optimizer.dispose();
  return val;
}

describe('Transformer training', () => {
  const h = unigramEntropy(REPETITIVE_TEXT);

  it('the causal Transformer learns a small repetitive corpus (loss far below the unigram entropy)', async () => {
    expect(await finalValLoss('transformer', 200, 3e-3)).toBeLessThan(h / 4);
  });

  it('the mask-predict model learns it too', async () => {
    // Masked-LM loss on hidden positions: with up to all targets hidden it cannot reach zero
    // (a fully masked row without prompt only has letter frequencies to go on), but on average
    // it falls well below the unigram entropy.
    // lr 3e-3: at 1e-2 the run is chaotic — whether it leaves the ~1.67 plateau depends on float
    // rounding (the tfjs ops and the project's fused kernels, equal to 1e-4, end 1.16 vs 1.66 with
    // seed 1; seeds 2 and 3 stay above 2.2 on both). At 3e-3 both paths end at 1.28–1.33 for
    // seeds 1–3, and within 0.03 of each other.
    expect(await finalValLoss('maskPredict', 600, 3e-3)).toBeLessThan(0.65 * h);
  });
});

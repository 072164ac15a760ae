import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextDataset } from '../../../core/data/textDataset.ts';
import { generateAutoregressive } from '../../../core/generate/autoregressive.ts';
import { SampleOptions } from '../../../core/generate/options.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { AdamOptimizer } from '../../../core/train/adam.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { learningRate } from '../../../core/train/schedule.ts';
import { textTrainingTask } from '../../../core/train/task.ts';
import { Trainer, type StepMetric, type TrainerEvent } from '../../../core/train/trainer.ts';
import { useAppBackend } from '../../helpers/backend.ts';
import { REPETITIVE_TEXT, unigramEntropy } from '../../helpers/corpus.ts';

beforeAll(useAppBackend);

function setup(overrides: Partial<TrainConfig> = {}) {
  const config = TrainConfig.parse({
    model: { family: 'rnn', cell: 'lstm', embedding: 16, hidden: 64, layers: 1 },
    data: { kind: 'builtin', name: 'sonnets' },
    steps: 300,
    batch: 16,
    seq: 32,
    lr: 1e-2,
    evalEvery: 50,
    checkpointEvery: 100,
    ...overrides,
  });
  const dataset = TextDataset.fromText('cats', REPETITIVE_TEXT, { valFraction: 0.1 });
  const model = new RnnModel({ ...config.model, vocabSize: dataset.vocab.size } as never, 1);
  const optimizer = new AdamOptimizer(model.weights);
  const saved: number[] = [];
  const metrics: StepMetric[] = [];
  const trainer = new Trainer({
    task: textTrainingTask(model, dataset, config),
    optimizer,
    config,
    startStep: 0,
    progressIntervalMs: 0,
    hooks: { saveCheckpoint: async (s) => void saved.push(s), recordMetrics: async (r) => void metrics.push(...r) },
  });
  return { config, dataset, model, optimizer, trainer, saved, metrics };
}

async function collect(it: AsyncIterable<TrainerEvent>, onEvent?: (e: TrainerEvent) => void): Promise<TrainerEvent[]> {
  const out: TrainerEvent[] = [];
  for await (const e of it) {
    out.push(e);
    onEvent?.(e);
  }
  return out;
}

describe('Trainer', () => {
  it('a preview that fails stops the previews with a notice, and training goes on', async () => {
    const { config, dataset, model, optimizer } = setup({ steps: 6, evalEvery: 2 });
    let calls = 0;
    const task = {
      ...textTrainingTask(model, dataset, config),
      preview: async () => {
        if (++calls === 2) throw new Error('the decoder broke');
        return { text: 'fine' };
      },
    };
    const trainer = new Trainer({ task, optimizer, config, startStep: 0, progressIntervalMs: 0, hooks: { saveCheckpoint: async () => undefined, recordMetrics: async () => undefined } });
    const events = await collect(trainer.run());
    expect(events.filter((e) => e.kind === 'preview').map((e) => (e as { step: number }).step)).toEqual([2]);
    expect(events.filter((e) => e.kind === 'notice')).toEqual([{ kind: 'notice', message: 'Stopped showing samples while training: the decoder broke' }]);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', step: 6 });
    expect(calls).toBe(2);
    optimizer.dispose();
    model.dispose();
  });

  it('previews after every validation when they are quick, and spaces out slow ones (the last step always has one)', async () => {
    for (const delayMs of [0, 150]) {
      const { config, dataset, model, optimizer } = setup({ steps: 12, evalEvery: 1 });
      const base = textTrainingTask(model, dataset, config);
      let calls = 0;
      const task = {
        ...base,
        preview: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, delayMs));
          return { text: `preview ${calls}` };
        },
      };
      const trainer = new Trainer({ task, optimizer, config, startStep: 0, progressIntervalMs: 0, hooks: { saveCheckpoint: async () => undefined, recordMetrics: async () => undefined } });
      const steps = (await collect(trainer.run())).filter((e) => e.kind === 'preview').map((e) => (e as { step: number }).step);
      if (delayMs === 0) expect(steps).toEqual([...Array(12).keys()].map((i) => i + 1));
      else {
        expect(steps.length).toBeLessThan(6); // 150 ms each, steps of a few ms: most validations skip it
        expect(steps[0]).toBe(1);
        expect(steps.at(-1)).toBe(12);
      }
      optimizer.dispose();
      model.dispose();
    }
  });

  it('an LSTM’s loss falls far below the unigram entropy of a repetitive corpus within 300 steps', async () => {
    const { trainer, model, optimizer, saved, metrics } = setup();
    const events = await collect(trainer.run());
    const done = events.at(-1)!;
    expect(done.kind).toBe('done');
    const h = unigramEntropy(REPETITIVE_TEXT);
    const last = events.filter((e) => e.kind === 'progress' && e.valLoss !== undefined).at(-1) as Extract<TrainerEvent, { kind: 'progress' }>;
    expect(last.step).toBe(300);
    expect(last.valLoss!).toBeLessThan(h / 4);
    expect(saved).toEqual([100, 200, 300]);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const p = events.find((e) => e.kind === 'progress') as Extract<TrainerEvent, { kind: 'progress' }>;
    expect(p.tokensPerSec).toBeGreaterThan(0);
    expect(p.etaSec).toBeGreaterThan(0);
    model.dispose();
    optimizer.dispose();
  });

  it('pauses, resumes and cancels between steps, and saves what it learned when cancelled', async () => {
    const { trainer, model, optimizer, saved } = setup({ steps: 1000, checkpointEvery: 10_000 });
    let pausedAt = -1;
    const events = await collect(trainer.run(), (e) => {
      if (e.kind === 'progress' && e.step === 5) trainer.pause();
      if (e.kind === 'state' && e.state === 'paused') {
        pausedAt = e.kind === 'state' ? 5 : -1;
        setTimeout(() => trainer.resume(), 30);
      }
      if (e.kind === 'progress' && e.step === 12) trainer.cancel();
    });
    expect(pausedAt).toBe(5);
    expect(events.filter((e) => e.kind === 'state').map((e) => (e as { state: string }).state)).toEqual(['paused', 'running']);
    const done = events.at(-1) as Extract<TrainerEvent, { kind: 'done' }>;
    expect(done.reason).toBe('cancelled');
    expect(done.step).toBe(12);
    expect(saved).toEqual([12]);
    model.dispose();
    optimizer.dispose();
  });

  it('records step metrics as training goes, not only at checkpoints (a following page reads them)', async () => {
    const run = async (metricsFlushMs: number | undefined) => {
      const { config, dataset, model, optimizer } = setup({ steps: 8, evalEvery: 4, checkpointEvery: 100 });
      const metrics: StepMetric[] = [];
      const trainer = new Trainer({
        task: textTrainingTask(model, dataset, config),
        optimizer,
        config,
        startStep: 0,
        progressIntervalMs: 0,
        ...(metricsFlushMs === undefined ? {} : { metricsFlushMs }),
        hooks: { saveCheckpoint: async () => undefined, recordMetrics: async (r) => void metrics.push(...r) },
      });
      // How many steps were recorded when each step's progress was reported.
      const recordedAt: number[] = [];
      await collect(trainer.run(), (e) => e.kind === 'progress' && recordedAt.push(metrics.length));
      model.dispose();
      optimizer.dispose();
      return { recordedAt, metrics };
    };
    const eager = await run(0);
    expect(eager.recordedAt).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // each step is recorded before the next one reports
    expect(eager.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const batched = await run(60_000);
    // Fast steps: the first is recorded at once (a page that reloads early refills its curve from
    // the start), the rest together at the end.
    expect(batched.recordedAt).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);
    expect(batched.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('leaks no tensors across training steps and sampling', async () => {
    const { trainer, model, optimizer, dataset } = setup({ steps: 40, evalEvery: 10, checkpointEvery: 20 });
    const counts: number[] = [];
    await collect(trainer.run(), (e) => {
      if (e.kind === 'progress') counts.push(tf.memory().numTensors);
    });
    expect(counts.length).toBeGreaterThan(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      for await (const _ of generateAutoregressive(model, dataset.vocab, SampleOptions.parse({ length: 50, seed: i }))) void _;
      expect(tf.memory().numTensors).toBe(before);
    }
    model.dispose();
    optimizer.dispose();
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays to 10% by the end', () => {
    expect(learningRate(5, 1, 100, 10, 'cosine')).toBeCloseTo(0.5);
    expect(learningRate(10, 1, 100, 10, 'cosine')).toBeCloseTo(1);
    expect(learningRate(100, 1, 100, 10, 'cosine')).toBeCloseTo(0.1);
    expect(learningRate(55, 1, 100, 10, 'linear')).toBeCloseTo(0.55);
    expect(learningRate(80, 1, 100, 10, 'constant')).toBe(1);
  });
});

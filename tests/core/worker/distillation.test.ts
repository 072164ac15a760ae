import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';
import { generateDistillationText } from '../../../core/generate/distillation.ts';
import { DISTILL_DEFAULTS } from '../../../core/generate/distillOptions.ts';
import { buildTextModel } from '../../../core/models/build.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { loadTrainedModel } from '../../../core/runs/modelRestore.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const tiny = (family: 'transformer' | 'maskPredict' | 'rnn', steps = 10, dModel = 16) =>
  TrainConfig.parse({
    model: family === 'rnn' ? { family, cell: 'gru', embedding: 8, hidden: 16, layers: 1 } : { family, dModel, heads: 2, layers: 1, ffn: 32, context: 24 },
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps,
    batch: 4,
    seq: 24,
    evalEvery: 10,
    checkpointEvery: 10,
    seed: 3,
  });

async function drain(job: Job, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) {
    out.push(e);
    onEvent?.(e);
  }
  return out;
}

/** The text the AR run `runId` writes with these settings, generated here independently of the Studio. */
async function expectedText(home: string, runId: string, settings: { seed: number; temperature: number; characters: number }): Promise<string> {
  const run = await new RunStore(home).open(runId);
  const { model } = await loadTrainedModel(run, () => buildTextModel(run.meta.model as Parameters<typeof buildTextModel>[0]));
  try {
    const generation = generateDistillationText(model, CharVocabulary.fromJSON(run.meta.vocab), settings);
    for (;;) {
      const next = await generation.next();
      if (next.done) return next.value.text!;
    }
  } finally {
    model.dispose();
  }
}

describe('distilled runs', () => {
  it('trains a NAR run on text its AR run writes, kept in the run with distillFrom', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-distil-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const ar = await studio.startTraining(tiny('transformer'));
    await drain(ar);
    const job = await studio.startTraining(tiny('maskPredict'), undefined, { runId: ar.runId, characters: 1500, temperature: 1 });
    expect(job.pausable).toBe(true);
    const events = await drain(job);
    const distill = events.filter((e): e is Extract<JobEvent, { kind: 'distill' }> => e.kind === 'distill');
    expect(distill[0]).toMatchObject({ done: 0, total: 1500, runId: job.runId });
    expect(distill.at(-1)).toMatchObject({ done: 1500, total: 1500 });
    // Generation first, then training.
    expect(events.findIndex((e) => e.kind === 'progress')).toBeGreaterThan(events.lastIndexOf(distill.at(-1)!));
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });

    const run = JSON.parse(readFileSync(join(home, 'runs', job.runId, 'run.json'), 'utf8'));
    expect(run.distillFrom).toEqual({ runId: ar.runId, seed: 3, temperature: 1, characters: 1500 });
    const arRun = JSON.parse(readFileSync(join(home, 'runs', ar.runId, 'run.json'), 'utf8'));
    expect(run.vocab).toEqual(arRun.vocab);
    expect(run.model).toMatchObject({ family: 'maskPredict', vocabSize: arRun.vocab.length });
    expect(run.state).toBe('completed');
    // Its training data is the generated text, byte for byte.
    const corpus = readFileSync(join(home, 'runs', job.runId, 'corpus.txt'), 'utf8');
    expect(corpus).toBe(await expectedText(home, ar.runId, run.distillFrom));
    expect(corpus).not.toBe(REPETITIVE_TEXT);
    expect((await studio.getRun(job.runId)).distillFrom).toEqual(run.distillFrom);
  });

  it('distils a causal Transformer too (a drafter for the hybrid), and the run list says from which run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-distil-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const ar = await studio.startTraining(tiny('transformer'));
    await drain(ar);
    const job = await studio.startTraining(tiny('transformer', 10, 8), undefined, { runId: ar.runId, characters: 1200 });
    expect((await drain(job)).at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    const corpus = readFileSync(join(home, 'runs', job.runId, 'corpus.txt'), 'utf8');
    const detail = await studio.getRun(job.runId);
    expect(detail.model).toMatchObject({ family: 'transformer', dModel: 8 });
    expect(corpus).toBe(await expectedText(home, ar.runId, detail.distillFrom!));
    const listed = new Map((await studio.listRuns()).map((r) => [r.id, r]));
    expect(listed.get(job.runId)!.distilledFrom).toBe(ar.runId);
    expect(listed.get(ar.runId)!).not.toHaveProperty('distilledFrom');
  });

  it('a run stopped while its text was written writes the same text again when resumed', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-distil-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const ar = await studio.startTraining(tiny('rnn'));
    await drain(ar);
    const job = await studio.startTraining(tiny('maskPredict', 5), undefined, { runId: ar.runId, characters: 30_000 });
    const first = await drain(job, (e) => {
      if (e.kind === 'distill') job.cancel(); // at its first report: generation has begun, no text is written yet
    });
    expect(first.some((e) => e.kind === 'progress')).toBe(false);
    expect(first.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    const store = new RunStore(home);
    expect((await store.open(job.runId)).meta.state).toBe('cancelled');
    expect(await (await store.open(job.runId)).hasCorpus()).toBe(false);

    const again = await studio.resumeTraining(job.runId, 0);
    const events = await drain(again);
    expect(events.filter((e) => e.kind === 'distill').at(-1)).toMatchObject({ done: 30_000, total: 30_000 });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 5 } });
    const corpus = readFileSync(join(home, 'runs', job.runId, 'corpus.txt'), 'utf8');
    expect(corpus).toBe(await expectedText(home, ar.runId, { seed: 3, temperature: DISTILL_DEFAULTS.temperature, characters: 30_000 }));
  });

  it('refuses a run that is absent, not autoregressive, or has no checkpoint', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-distil-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const nar = tiny('maskPredict');
    await expect(studio.startTraining(nar, undefined, { runId: 'no-such-run' })).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringMatching(/cannot distil from run "no-such-run": there is no run/),
    });
    const narRun = await studio.startTraining(nar);
    await drain(narRun);
    await expect(studio.startTraining(nar, undefined, { runId: narRun.runId })).rejects.toThrow(/mask-predict \(non-autoregressive\).*Transformer or RNN/);
    const untrained = await studio.startTraining(tiny('transformer')); // created, never trained: no checkpoint
    await expect(studio.startTraining(nar, undefined, { runId: untrained.runId })).rejects.toMatchObject({
      code: 'CHECKPOINT_ERROR',
      message: expect.stringMatching(/no checkpoint yet/),
    });
    untrained.cancel();
    expect((await studio.listRuns()).length).toBe(2); // no run was made for a refused distillation
  });
});

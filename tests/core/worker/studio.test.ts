import { mkdtempSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { RaceOptions, SampleOptions } from '../../../core/generate/options.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

function config(steps: number): TrainConfig {
  return TrainConfig.parse({
    model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 32, layers: 1 },
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps,
    batch: 8,
    seq: 16,
    evalEvery: 10,
    checkpointEvery: 10,
  });
}

async function drain(job: Job, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) {
    out.push(e);
    onEvent?.(e);
  }
  return out;
}

describe('Studio runs', () => {
  it('a long run’s detail carries a thinned set of metrics, and runs.metrics all of them', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const job = await studio.startTraining(config(10));
    await drain(job);
    // As if it had trained 20,000 steps more (metrics are appended one record per step).
    const run = await new RunStore(home).open(job.runId);
    await run.appendMetrics(Array.from({ length: 20_000 }, (_, i) => ({ step: 11 + i, time: i, trainLoss: 3, ...(i % 1000 === 0 ? { valLoss: 3.1 } : {}) })));
    const detail = await studio.getRun(job.runId);
    expect(detail.metricsTotal).toBe(20_010);
    expect(detail.metrics.length).toBeLessThanOrEqual(4001);
    expect(detail.metrics.filter((m) => m.valLoss !== undefined)).toHaveLength(21); // steps 10 and every 1000th after
    expect(detail.metrics.at(-1)!.step).toBe(20_010);
    expect(await studio.runMetrics(job.runId)).toHaveLength(20_010);
  });

  it('shows a sample after each validation while a text model trains (AR and mask-predict)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const nar = TrainConfig.parse({ ...config(20), model: { family: 'maskPredict', dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16 } });
    for (const c of [config(20), nar]) {
      const job = await studio.startTraining(c);
      const events = await drain(job);
      const previews = events.filter((e): e is Extract<JobEvent, { kind: 'preview' }> => e.kind === 'preview');
      const validated = events.filter((e) => e.kind === 'progress' && e.valLoss !== undefined).map((e) => (e as { step: number }).step);
      expect(previews.map((p) => p.step), c.model.family).toEqual(validated);
      expect(validated).toEqual([10, 20]);
      for (const p of previews) {
        expect([...p.text]).toHaveLength(120);
        for (const ch of p.text) expect(REPETITIVE_TEXT.includes(ch), JSON.stringify(ch)).toBe(true);
      }
      // Kept with the run, for its replay in the Runs view.
      expect((await studio.getRun(job.runId)).previews).toEqual(previews.map((p) => ({ step: p.step, text: p.text })));
    }
  });

  it('resume continues the step count and the metrics from the last checkpoint', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const job = await studio.startTraining(config(40), 'resume test');
    let cancelled = false;
    const first = await drain(job, (e) => {
      if (e.kind === 'progress' && e.step === 25 && !cancelled) {
        cancelled = true;
        job.cancel();
      }
    });
    expect(first.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    const summary = (await studio.listRuns())[0]!;
    expect(summary).toMatchObject({ state: 'cancelled', step: 25, checkpointStep: 25, totalSteps: 40 });

    const resumed = await studio.resumeTraining(job.runId, 0);
    const second = await drain(resumed);
    const steps = second.filter((e) => e.kind === 'progress').map((e) => (e as { step: number }).step);
    expect(steps[0]).toBe(26);
    expect(steps.at(-1)).toBe(40);
    const detail = await studio.getRun(job.runId);
    expect(detail.state).toBe('completed');
    expect(detail.metrics.map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(detail.dataset).toBe('cats.txt');
    // Asking for more steps trains further.
    const more = await drain(await studio.resumeTraining(job.runId, 5));
    expect(more.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 45 } });
  });

  it('a damaged newest checkpoint is reported and the earlier one is used; sampling streams text', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const job = await studio.startTraining(config(30), 'damage test');
    await drain(job);
    const bin = join(studio.runsRoot, job.runId, 'checkpoints', 'step-000000030', 'weights.bin');
    truncateSync(bin, Math.floor(statSync(bin).size / 3));
    const sampling = await studio.sample(job.runId, SampleOptions.parse({ length: 20, seed: 5 }));
    expect(sampling.pausable).toBe(false);
    const sampled = await drain(sampling);
    expect(sampled[0]).toMatchObject({ kind: 'notice', message: expect.stringMatching(/step 30 is damaged/) });
    expect(sampled.filter((e) => e.kind === 'token')).toHaveLength(20);
    expect(sampled.at(-1)).toMatchObject({ kind: 'done', summary: { checkpointStep: 20 } });
    // Nothing already saved was destroyed: the earlier checkpoint is intact.
    expect(readFileSync(join(studio.runsRoot, job.runId, 'checkpoints', 'step-000000020', 'weights.bin')).byteLength).toBeGreaterThan(0);
  });

  it('refuses bad data with a DatasetError before creating a run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home });
    const bad = { ...config(10), data: { kind: 'upload' as const, name: 'tiny.txt', bytes: new TextEncoder().encode('too short') } };
    await expect(studio.startTraining(bad)).rejects.toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(/too short/) });
    expect(await studio.listRuns()).toEqual([]);
  });
});

describe('Studio race', () => {
  const tiny = (family: 'transformer' | 'maskPredict') =>
    TrainConfig.parse({
      model: { family, dModel: 16, heads: 2, layers: 1, ffn: 32, context: 24 },
      data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
      steps: 10,
      batch: 4,
      seq: 24,
      evalEvery: 10,
      checkpointEvery: 10,
    });

  it('races a Transformer run against a NAR run on the same text, and refuses mismatched runs', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const ar = await studio.startTraining(tiny('transformer'));
    await drain(ar);
    const nar = await studio.startTraining(tiny('maskPredict'));
    await drain(nar);
    expect(ar.pausable).toBe(true);
    const raceJob = await studio.race(ar.runId, nar.runId, RaceOptions.parse({ length: 16, iterations: 2, draft: 3, prompt: 'the ' }));
    expect(raceJob.pausable).toBe(false); // a race runs to its end unless cancelled
    const events = await drain(raceJob);
    const results = events.find((e) => e.kind === 'race-results');
    expect(results && results.kind === 'race-results' && results.lanes.map((l) => [l.lane, l.tokens])).toEqual([
      ['ar-naive', 16],
      ['ar-cache', 16],
      ['nar-1', 16],
      ['nar-k', 16],
      ['hybrid', 16],
    ]);
    expect(events.filter((e) => e.kind === 'race-finished')).toHaveLength(5);
    // Then the quality–speed frontier, point by point, before the end.
    const frontier = events.filter((e) => e.kind === 'race-frontier');
    expect(frontier.map((e) => e.kind === 'race-frontier' && `${e.index + 1}/${e.total}`)).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}/10`));
    expect(events.indexOf(frontier[0]!)).toBeGreaterThan(events.indexOf(results!));
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    await expect(studio.race(nar.runId, ar.runId, RaceOptions.parse({ length: 4 }))).rejects.toThrow(/not an autoregressive Transformer/);
    const scaling = await drain(await studio.scaling(ar.runId, nar.runId, RaceOptions.parse({ lanes: ['ar-cache', 'nar-1'] }), [4, 8]));
    expect(scaling.filter((e) => e.kind === 'scaling-point')).toHaveLength(4);
  });
});

describe('Studio backend choice', () => {
  it('switches the backend, remembers it for the data folder, and refuses a name that is no backend', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ars-studio-'));
    const studio = new Studio({ home });
    const before = await studio.info();
    expect((await studio.setBackend('cpu')).backend).toBe('cpu');
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toEqual({ backend: 'cpu' });
    expect((await new Studio({ home }).info()).backend).toBe('cpu');
    await expect(studio.setBackend('quantum')).rejects.toMatchObject({ code: 'CONFIG_ERROR', message: expect.stringMatching(/not a backend/) });
    const back = await studio.setBackend('auto');
    expect(back.backend).toBe(before.backend);
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toEqual({});
  });
});

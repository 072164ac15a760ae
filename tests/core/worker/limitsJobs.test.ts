/** limits.run through the protocol and the real Studio: progress, a result, and cancel. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { createInProcessClient, type InProcessClient } from '../../../core/worker/inProcess.ts';
import { Studio } from '../../../core/worker/studio.ts';

let home: string;
let connection: InProcessClient;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ars-limits-jobs-'));
  connection = createInProcessClient(new Studio({ home, backend: 'wasm' }), { validateOutgoing: true });
});
afterAll(async () => {
  connection.close();
  await rm(home, { recursive: true, force: true });
});

describe('limits.run', () => {
  it('is a job that cannot pause and streams progress, then its result, then done', { timeout: 60_000 }, async () => {
    const { client } = connection;
    const started = await client.request('limits.run', { experiment: 'accumulation', seed: 1, quick: true });
    expect(started.pausable).toBe(false);
    const events: JobEvent[] = [];
    let pause: Promise<unknown> | null = null;
    for await (const e of client.events(started.jobId)) {
      events.push(e);
      pause ??= client.request('job.pause', { jobId: started.jobId }).catch((err: unknown) => err);
    }
    expect(String(await pause)).toMatch(/cannot be paused: a Limits lab experiment runs to its end/);
    const kinds = events.map((e) => e.kind);
    expect(kinds[0]).toBe('limits-progress');
    expect(kinds.slice(-2)).toEqual(['limits-result', 'done']);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { experiment: 'accumulation', seed: 1 } });
  });

  it('keeps the models it trains as ordinary runs: listed, completed, with metrics, and sampled from their checkpoint', { timeout: 90_000 }, async () => {
    const { client } = connection;
    const started = await client.request('limits.run', { experiment: 'context', seed: 2, quick: true });
    const kept: Extract<JobEvent, { kind: 'limits-run' }>[] = [];
    for await (const e of client.events(started.jobId)) if (e.kind === 'limits-run') kept.push(e);
    expect(kept.map((k) => k.role)).toEqual(['transformer', 'lstm']);
    const runs = await client.request('runs.list', {});
    for (const k of kept) {
      const summary = runs.find((r) => r.id === k.runId);
      expect(summary).toMatchObject({ name: k.name, state: 'completed' });
      const detail = await client.request('runs.get', { runId: k.runId });
      expect(detail.metrics.length).toBeGreaterThan(0);
      expect(detail.metrics.at(-1)!.trainLoss).toBeTypeOf('number');
      // The checkpoint holds the trained weights: sampling it writes characters of the copy task's vocabulary.
      const job = await client.request('sample.start', { runId: k.runId, options: { prompt: '', length: 12, temperature: 1, topK: 0, topP: 1, seed: 1, iterations: 1 } });
      let text = '';
      for await (const e of client.events(job.jobId)) if (e.kind === 'done') text = String(e.summary.text ?? '');
      expect(text).toMatch(/^[a-p|\n]*$/);
    }
  });

  it('stops when cancelled, with no result', { timeout: 60_000 }, async () => {
    const { client } = connection;
    const { jobId } = await client.request('limits.run', { experiment: 'modes', seed: 1, quick: true });
    const events: JobEvent[] = [];
    for await (const e of client.events(jobId)) {
      events.push(e);
      if (events.length === 1) await client.request('job.cancel', { jobId });
    }
    expect(events.some((e) => e.kind === 'limits-result')).toBe(false);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });

  it('refuses an unknown experiment at the protocol boundary', async () => {
    await expect(connection.client.request('limits.run', { experiment: 'speed' } as never)).rejects.toThrow(/bad params for limits.run/);
  });
});

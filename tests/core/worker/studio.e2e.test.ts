/**
 * End to end with the real Studio (TensorFlow.js, the run store on disk): the dispatcher, the
 * in-process and WebSocket transports, and the Studio together. Tiny models, so they run on CPU.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { createInProcessClient, type InProcessClient } from '../../../core/worker/inProcess.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { startWebServer } from '../../../core/worker/webServer.ts';
import { collect, connectClient } from './helpers.ts';

const tiny = (steps: number, data: TrainConfigInput['data'] = { kind: 'builtin', name: 'sonnets' }): TrainConfigInput => ({
  model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 16, layers: 1 },
  data,
  steps,
  batch: 4,
  seq: 16,
  evalEvery: 10,
  evalBatches: 1,
  checkpointEvery: 10,
});

let home: string;
let studio: Studio;
let connection: InProcessClient;
let trainedRun = '';

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ars-e2e-'));
  studio = new Studio({ home, ...(process.env.ARS_BACKEND ? { backend: process.env.ARS_BACKEND } : {}) });
  connection = createInProcessClient(studio, { validateOutgoing: true });
});
afterAll(async () => {
  connection?.close();
  await rm(home, { recursive: true, force: true });
});

describe('real Studio through the dispatcher', () => {
  it('real Studio: trains 20 steps, streaming progress, then done', async () => {
    const { client } = connection;
    const { jobId, runId, pausable } = await client.request('train.start', { config: tiny(20), name: 'e2e' });
    expect(pausable).toBe(true);
    const events = await collect(client, jobId);
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ step: 20, totalSteps: 20, runId });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    const runs = await client.request('runs.list', {});
    expect(runs.find((r) => r.id === runId)).toMatchObject({ state: 'completed', step: 20, name: 'e2e' });
    const detail = await client.request('runs.get', { runId });
    expect(detail.config.steps).toBe(20);
    trainedRun = runId;
  });

  it('real Studio: cancel mid-run ends with done: cancelled', async () => {
    const { client } = connection;
    const { jobId, runId } = await client.request('train.start', { config: tiny(1_000_000) });
    let sent = false;
    const events = await collect(client, jobId, (e) => {
      if (e.kind === 'progress' && !sent) {
        sent = true;
        void client.request('job.cancel', { jobId });
      }
    });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    const run = (await client.request('runs.list', {})).find((r) => r.id === runId);
    expect(run?.state).toBe('cancelled');
    expect(run!.step).toBeLessThan(1_000_000);
  });

  it('real Studio: samples from the trained run', async () => {
    expect(trainedRun).not.toBe('');
    const { client } = connection;
    const { jobId, pausable } = await client.request('sample.start', { runId: trainedRun, options: { length: 20, seed: 3 } });
    expect(pausable).toBe(false); // sampling runs to its end: the reply says it cannot pause
    const events = await collect(client, jobId);
    const tokens = events.filter((e) => e.kind === 'token');
    expect(tokens).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
  });

  it('real Studio: a bad request and a Studio error leave it serving', async () => {
    const { client } = connection;
    await expect(client.request('runs.get', { runId: 'no-such-run' })).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
    await expect(
      client.request('train.start', { config: tiny(5, { kind: 'upload', name: 'empty.txt', bytes: new Uint8Array(0) }) }),
    ).rejects.toMatchObject({ code: 'DATASET_ERROR' });
    expect((await client.request('info', {})).backend).toBeTruthy();
  });

  it('real Studio over WebSocket: trains an upload and samples it', async () => {
    const server = await startWebServer({ studio, staticDir: join(home, 'no-renderer'), validateOutgoing: true });
    const { client, ws } = await connectClient(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    try {
      const bytes = new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(40));
      const { jobId, runId } = await client.request('train.start', { config: tiny(10, { kind: 'upload', name: 'fox.txt', bytes }) });
      const events = await collect(client, jobId);
      expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
      const sample = await client.request('sample.start', { runId, options: { length: 15, prompt: 'the ' } });
      const text = (await collect(client, sample.jobId)).map((e) => (e.kind === 'token' ? e.text : '')).join('');
      expect([...text]).toHaveLength(15);
      expect(/^[a-z .]*$/.test(text)).toBe(true);
    } finally {
      ws.terminate();
      await server.close();
    }
  });
});

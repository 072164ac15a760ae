/**
 * A worker that no request can break, through `ars serve`'s supervised child: a WebAssembly abort
 * mid-training (injected with ARS_TEST_ABORT_AT_STEP) makes the worker report it and exit, the
 * supervisor starts a fresh one, the run is interrupted and resumable, and its checkpoints are
 * still sampled and exported; a model too big for the memory budget is refused at once, leaving
 * no run, and the same worker then trains and samples a small model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../core/protocol/client.ts';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { BACKEND_FATAL } from '../../../core/worker/fatalErrors.ts';
import { startWebServer, type WebServer } from '../../../core/worker/webServer.ts';
import { WorkerSupervisor } from '../../../core/worker/workerProcess.ts';
import { clientWebSocketPipe, collect, openWebSocket } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-fatal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(home: string, env: NodeJS.ProcessEnv): Promise<{ supervisor: WorkerSupervisor; server: WebServer }> {
  const supervisor = new WorkerSupervisor({ home, env: { ...process.env, ...env }, ...(process.env.ARS_BACKEND ? { backend: process.env.ARS_BACKEND } : {}) });
  cleanup.push(() => supervisor.close());
  await supervisor.start();
  const server = await startWebServer({ worker: supervisor, staticDir: join(dir, 'no-page') });
  cleanup.push(() => server.close());
  return { supervisor, server };
}

async function client(server: WebServer): Promise<WorkerClient> {
  const ws = await openWebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  cleanup.push(() => ws.terminate());
  return new WorkerClient(clientWebSocketPipe(ws));
}

const tiny = (steps: number): TrainConfigInput => ({
  model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
  data: { kind: 'builtin', name: 'sonnets' },
  steps,
  batch: 4,
  seq: 16,
  evalEvery: 10,
  evalBatches: 1,
  checkpointEvery: 10,
  seed: 3,
});

/** Names of the files in a .tgz archive. */
function tarNames(archive: Uint8Array): string[] {
  const tar = gunzipSync(archive);
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    names.push(name);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('fatal backend errors restart the worker', () => {
  it('an abort mid-training: a fresh worker, the run interrupted, sampleable, exported and resumable', async () => {
    const { supervisor, server } = await serve(join(dir, 'abort'), { ARS_TEST_ABORT_AT_STEP: '30' });
    const firstPid = supervisor.pid;
    const a = await client(server);
    const { jobId, runId } = await a.request('train.start', { config: tiny(100), name: 'doomed' });
    const events = await collect(a, jobId);
    expect(events.at(-1)).toMatchObject({ kind: 'error', code: BACKEND_FATAL });
    await expect.poll(() => supervisor.restarts, { timeout: 20_000 }).toBe(1);
    await supervisor.whenReady();
    expect(supervisor.pid).not.toBe(firstPid);

    const b = await client(server);
    const run = (await b.request('runs.list', {})).find((r) => r.id === runId)!;
    expect(run.state).toBe('interrupted');
    expect(run.checkpointStep).toBe(30);

    const sample = await b.request('sample.start', { runId, options: { length: 40, seed: 1 } });
    const sampled = await collect(b, sample.jobId);
    expect(sampled.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { checkpointStep: 30 } });

    const exported = await b.request('runs.export', { runId });
    expect(exported.notices).toEqual([]);
    expect(tarNames(exported.archive)).toContain(`${runId}/checkpoints/step-000000030/weights.bin`);

    const resumed = await b.request('train.resume', { runId, extraSteps: 0 });
    expect((await collect(b, resumed.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 100 } });
  });

  it('a model over the memory budget: refused in well under a second, no run left; the same worker then trains and samples', async () => {
    const { supervisor, server } = await serve(join(dir, 'budget'), {});
    const pid = supervisor.pid;
    const c = await client(server);
    await c.request('info', {});
    const before = await c.request('runs.list', {});
    const started = performance.now();
    const refused = c.request('train.start', {
      config: {
        model: { family: 'transformer', dModel: 2048, heads: 32, layers: 24, ffn: 8192, context: 4096 },
        data: { kind: 'builtin', name: 'sonnets' },
        steps: 10,
        batch: 1024,
        seq: 2048,
      },
    });
    await expect(refused).rejects.toMatchObject({ code: 'MEMORY_BUDGET', message: expect.stringMatching(/would need about [\d.]+ [KMGTP]iB .* more than the [\d.]+ [KMGT]iB allowed/) });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await c.request('runs.list', {})).toEqual(before);

    const small = await c.request('train.start', { config: tiny(20), name: 'small' });
    expect((await collect(c, small.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    const sample = await c.request('sample.start', { runId: small.runId, options: { length: 30, seed: 2 } });
    expect((await collect(c, sample.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    expect(supervisor.pid).toBe(pid);
    expect(supervisor.restarts).toBe(0);
  });
});

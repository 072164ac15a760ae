/**
 * The supervised worker of `ars serve`: a child process that the web server multiplexes its
 * clients onto, restarted when it dies. Misbehaving stand-ins (fixtures/fakeWorkerChild.mjs) test
 * the supervision; the real child (core/worker/childEntry.ts) tests two clients at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { WorkerClient } from '../../../core/protocol/client.ts';
import { EventMessage, ResponseMessage, type JobEvent } from '../../../core/protocol/messages.ts';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { startWebServer, type WebServer } from '../../../core/worker/webServer.ts';
import { WORKER_FAILED, WORKER_RESTARTED, WorkerSupervisor } from '../../../core/worker/workerProcess.ts';
import { RawPeer, clientWebSocketPipe, closed, collect, openWebSocket, refusalStatus, tapPipe } from './helpers.ts';

const FAKE_CHILD = join(import.meta.dirname, 'fixtures', 'fakeWorkerChild.mjs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-supervisor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function serve(supervisor: WorkerSupervisor): Promise<WebServer> {
  cleanup.push(() => supervisor.close());
  await supervisor.start();
  const server = await startWebServer({ worker: supervisor, staticDir: join(dir, 'no-page') });
  cleanup.push(() => server.close());
  return server;
}

const wsUrl = (s: WebServer) => `ws://127.0.0.1:${s.port}/ws?token=${s.token}`;

async function socket(server: WebServer): Promise<WebSocket> {
  const ws = await openWebSocket(wsUrl(server));
  cleanup.push(() => ws.terminate());
  return ws;
}

describe('WorkerSupervisor', () => {
  it("answers a dead worker's pending requests with WORKER_RESTARTED, closes the socket with 1012 and starts a new worker", async () => {
    const log: string[] = [];
    const supervisor = new WorkerSupervisor({ home: dir, entry: FAKE_CHILD, env: { ...process.env, FAKE_WORKER: 'silent' }, log: (l) => log.push(l) });
    const server = await serve(supervisor);
    const ws = await socket(server);
    const peer = new RawPeer(clientWebSocketPipe(ws));
    const gone = closed(ws);
    peer.pipe.send({ v: 1, type: 'request', id: 'never-answered', method: 'info', params: {} });
    await new Promise((r) => setTimeout(r, 100)); // the request reaches the worker, which ignores it
    const firstPid = supervisor.pid!;
    process.kill(firstPid, 'SIGKILL');
    const reply = await peer.next((m) => (m as { id?: unknown }).id === 'never-answered');
    expect(ResponseMessage.parse(reply)).toMatchObject({ ok: false, error: { code: WORKER_RESTARTED, message: expect.stringMatching(/signal SIGKILL.*interrupted/) } });
    expect(await gone).toEqual({ code: 1012, reason: 'the worker restarted' });
    await supervisor.whenReady();
    expect(supervisor.pid).not.toBe(firstPid);
    expect(supervisor.restarts).toBe(1);
    expect(log.join('\n')).toMatch(/the worker stopped \(signal SIGKILL\); starting it again/);
    // The page reconnects to the new worker.
    const again = await socket(server);
    expect(again.readyState).toBe(again.OPEN);
  });

  it('gives up after too many crashes within a minute: new sockets are refused with 503', async () => {
    const log: string[] = [];
    const supervisor = new WorkerSupervisor({
      home: dir,
      entry: FAKE_CHILD,
      env: { ...process.env, FAKE_WORKER: 'crash' },
      maxCrashesPerMinute: 2,
      log: (l) => log.push(l),
    });
    cleanup.push(() => supervisor.close());
    await supervisor.start().catch(() => undefined);
    await expect.poll(() => supervisor.unavailable(), { timeout: 20_000 }).toMatch(/stopped 3 times within a minute.*restart ars serve/);
    await expect(supervisor.whenReady()).rejects.toThrow(/not started again/);
    const server = await startWebServer({ worker: supervisor, staticDir: join(dir, 'no-page') });
    cleanup.push(() => server.close());
    expect(await refusalStatus(wsUrl(server))).toBe(503);
    // A connection asked for directly is answered and closed at once.
    const pipe = supervisor.connect();
    const seen: unknown[] = [];
    pipe.onMessage((m) => seen.push(m));
    await new Promise<void>((resolve) => pipe.onClose(resolve));
    expect(seen).toEqual([]);
    expect(log.some((l) => l.startsWith(`error: the worker stopped 3 times`))).toBe(true);
    expect(WORKER_FAILED).toBe('WORKER_FAILED');
  });
});

describe('two clients on one worker child', () => {
  const tiny = (steps: number, seed: number): TrainConfigInput => ({
    model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
    data: { kind: 'builtin', name: 'sonnets' },
    steps,
    batch: 4,
    seq: 16,
    evalEvery: 25,
    evalBatches: 1,
    checkpointEvery: 50,
    seed,
  });

  it('train and sample at the same time; each gets only its own events', async () => {
    const supervisor = new WorkerSupervisor({ home: join(dir, 'two'), ...(process.env.ARS_BACKEND ? { backend: process.env.ARS_BACKEND } : {}) });
    const server = await serve(supervisor);
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    const a = new WorkerClient(tapPipe(clientWebSocketPipe(await socket(server)), seenA));
    const b = new WorkerClient(tapPipe(clientWebSocketPipe(await socket(server)), seenB));

    const base = await a.request('train.start', { config: tiny(20, 1), name: 'base' });
    expect((await collect(a, base.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });

    // Both clients start a training run and a sampling job, all four running at once.
    const [trainA, trainB] = await Promise.all([a.request('train.start', { config: tiny(120, 2), name: 'A' }), b.request('train.start', { config: tiny(120, 3), name: 'B' })]);
    const [sampleA, sampleB] = await Promise.all([
      a.request('sample.start', { runId: base.runId, options: { length: 150, seed: 11 } }),
      b.request('sample.start', { runId: base.runId, options: { length: 150, seed: 12 } }),
    ]);
    const [eventsTrainA, eventsTrainB, eventsSampleA, eventsSampleB] = await Promise.all([
      collect(a, trainA.jobId),
      collect(b, trainB.jobId),
      collect(a, sampleA.jobId),
      collect(b, sampleB.jobId),
    ]);

    const progressRuns = (events: JobEvent[]) => new Set(events.filter((e) => e.kind === 'progress').map((e) => (e as { runId: string }).runId));
    expect(progressRuns(eventsTrainA)).toEqual(new Set([trainA.runId]));
    expect(progressRuns(eventsTrainB)).toEqual(new Set([trainB.runId]));
    for (const events of [eventsTrainA, eventsTrainB]) expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 120 } });
    for (const events of [eventsSampleA, eventsSampleB]) {
      expect(events.filter((e) => e.kind === 'token')).toHaveLength(150);
      expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    }
    // Every event either socket carried belongs to a job that socket started.
    const ownA = new Set([base.jobId, trainA.jobId, sampleA.jobId]);
    const ownB = new Set([trainB.jobId, sampleB.jobId]);
    const eventsOf = (seen: unknown[]) => seen.filter((m) => (m as { type?: unknown }).type === 'event').map((m) => EventMessage.parse(m));
    expect(eventsOf(seenA).length).toBeGreaterThan(155);
    expect(eventsOf(seenB).length).toBeGreaterThan(155);
    for (const m of eventsOf(seenA)) expect(ownA.has(m.jobId)).toBe(true);
    for (const m of eventsOf(seenB)) expect(ownB.has(m.jobId)).toBe(true);
    // Stopping one client's job does not touch the other's.
    const longA = await a.request('train.start', { config: tiny(100_000, 4), name: 'long A' });
    const longB = await b.request('train.start', { config: tiny(100_000, 5), name: 'long B' });
    const firstB = new Promise<void>((resolve) => {
      const off = b.onJob(longB.jobId, (e) => {
        if (e.kind === 'progress') {
          off();
          resolve();
        }
      });
    });
    await firstB;
    await expect(a.request('job.cancel', { jobId: longB.jobId })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    await a.request('job.cancel', { jobId: longA.jobId });
    expect((await collect(a, longA.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    const runs = await b.request('runs.list', {});
    expect(runs.find((r) => r.id === longB.runId)?.state).toBe('training');
    await b.request('job.cancel', { jobId: longB.jobId });
    expect((await collect(b, longB.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });
});

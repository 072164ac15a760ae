import { afterEach, describe, expect, it } from 'vitest';
import { WorkerError } from '../../../core/protocol/client.ts';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { createPipePair } from '../../../core/protocol/transport.ts';
import { serveClient } from '../../../core/worker/dispatcher.ts';
import { createInProcessClient, type InProcessClient } from '../../../core/worker/inProcess.ts';
import { FakeStudio } from './fakeStudio.ts';
import { RawPeer, collect } from './helpers.ts';

const config = (steps: number): TrainConfigInput => ({
  model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 16, layers: 1 },
  data: { kind: 'builtin', name: 'sonnets' },
  steps,
});

const open: InProcessClient[] = [];
function connect(studio: FakeStudio): InProcessClient {
  const c = createInProcessClient(studio);
  open.push(c);
  return c;
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function rawPeer(studio: FakeStudio): { peer: RawPeer; stop: () => void; close: () => void } {
  const [clientSide, workerSide] = createPipePair();
  const stop = serveClient(workerSide, studio);
  return { peer: new RawPeer(clientSide), stop, close: () => clientSide.close() };
}

describe('dispatcher over the in-process transport', () => {
  it('streams a 20-step training run as progress events, then done', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const { jobId, runId } = await client.request('train.start', { config: config(20), name: 'tiny' });
    expect(runId).toBe('run-1');
    const events = await collect(client, jobId);
    const progress = events.filter((e) => e.kind === 'progress');
    expect(progress.map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    expect(events.filter((e) => e.kind === 'done')).toHaveLength(1);
    // The Studio got the schema's output: defaults applied.
    expect(studio.trainConfigs[0]).toMatchObject({ steps: 20, batch: 32, seq: 64 });
  });

  it('cancels a job mid-run: done with reason cancelled', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const { jobId } = await client.request('train.start', { config: config(100_000) });
    let cancelled = false;
    const events = await collect(client, jobId, (e) => {
      if (e.kind === 'progress' && e.step === 3 && !cancelled) {
        cancelled = true;
        void client.request('job.cancel', { jobId });
      }
    });
    const done = events.at(-1)!;
    expect(done).toMatchObject({ kind: 'done', reason: 'cancelled' });
    expect(events.filter((e) => e.kind === 'progress').length).toBeLessThan(100);
    // A late cancel of a finished job is harmless.
    await expect(client.request('job.cancel', { jobId })).resolves.toEqual({});
  });

  it('pauses and resumes a training job', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const { jobId, pausable } = await client.request('train.start', { config: config(10) });
    expect(pausable).toBe(true);
    const kinds: string[] = [];
    await collect(client, jobId, (e) => {
      kinds.push(e.kind === 'state' ? `state:${e.state}` : e.kind);
      if (e.kind === 'progress' && e.step === 2) void client.request('job.pause', { jobId });
      if (e.kind === 'state' && e.state === 'paused') void client.request('job.resume', { jobId });
    });
    expect(kinds).toContain('state:paused');
    expect(kinds).toContain('state:running');
    expect(kinds.at(-1)).toBe('done');
  });

  it("answers NOT_PAUSABLE to a sampling job's pause and resume, and the job runs on to its end", async () => {
    const studio = new FakeStudio({ tickMs: 5 });
    const { client } = connect(studio);
    const { runId, jobId: trainJob } = await client.request('train.start', { config: config(2) });
    await collect(client, trainJob);
    const started = await client.request('sample.start', { runId, options: { length: 40, seed: 0 } });
    expect(started.pausable).toBe(false);
    const answers: Promise<unknown>[] = [];
    const events = await collect(client, started.jobId, (e) => {
      if (e.kind === 'token' && e.index === 2) {
        answers.push(client.request('job.pause', { jobId: started.jobId }).catch((err: unknown) => err));
        answers.push(client.request('job.resume', { jobId: started.jobId }).catch((err: unknown) => err));
      }
    });
    for (const answer of await Promise.all(answers)) {
      expect(answer).toBeInstanceOf(WorkerError);
      expect(answer).toMatchObject({ code: 'NOT_PAUSABLE', message: expect.stringMatching(/^this job cannot be paused: sampling/) });
    }
    expect(answers).toHaveLength(2);
    // Nothing paused it: every token came, no state event, and it completed.
    expect(studio.jobs.at(-1)!.paused).toBe(false);
    expect(events.filter((e) => e.kind === 'token')).toHaveLength(40);
    expect(events.some((e) => e.kind === 'state')).toBe(false);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
  });

  it('says a race cannot pause, and a race job still cancels', async () => {
    const studio = new FakeStudio({ tickMs: 5 });
    const { client } = connect(studio);
    const ar = await client.request('train.start', { config: config(1) });
    const nar = await client.request('train.start', { config: config(1) });
    await Promise.all([collect(client, ar.jobId), collect(client, nar.jobId)]);
    const race = await client.request('race.start', { arRunId: ar.runId, narRunId: nar.runId, options: { length: 1000 } });
    expect(race.pausable).toBe(false);
    await expect(client.request('job.pause', { jobId: race.jobId })).rejects.toMatchObject({ code: 'NOT_PAUSABLE', message: expect.stringMatching(/a race/) });
    await client.request('job.cancel', { jobId: race.jobId });
    expect((await collect(client, race.jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });

  it('samples: token events, then done', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const { runId, jobId: trainJob } = await client.request('train.start', { config: config(2) });
    await collect(client, trainJob);
    const { jobId } = await client.request('sample.start', { runId, options: { length: 12, seed: 0 } });
    const events = await collect(client, jobId);
    const text = events.map((e) => (e.kind === 'token' ? e.text : '')).join('');
    expect(text).toBe('abcdefghij \n');
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
  });

  it('answers the other methods', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    expect((await client.request('info', {})).backend).toBe('fake');
    expect(await client.request('corpora.list', {})).toHaveLength(1);
    const { runId, jobId } = await client.request('train.start', { config: config(3) });
    await collect(client, jobId);
    expect((await client.request('runs.list', {})).map((r) => r.id)).toEqual([runId]);
    expect((await client.request('runs.get', { runId })).id).toBe(runId);
    await client.request('runs.delete', { runId });
    expect(await client.request('runs.list', {})).toEqual([]);
  });

  it("passes the Studio's typed errors through with their code", async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const err = await client.request('train.start', { config: { ...config(5), data: { kind: 'file', path: '/tmp/empty.txt' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ code: 'DATASET_ERROR' });
    await expect(client.request('runs.get', { runId: 'nope' })).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
  });

  it('checks an opened text file at once: refuses an empty, binary or image file with the reason', async () => {
    const { client } = connect(new FakeStudio());
    const ok = await client.request('datasets.checkText', { name: 'poem.txt', bytes: new TextEncoder().encode('to be 詩\r\n') });
    expect(ok).toEqual({ name: 'poem.txt', chars: 8, notices: [] });
    const refusals: [string, Uint8Array<ArrayBuffer>, RegExp][] = [
      ['empty.txt', new Uint8Array(), /"empty\.txt" is empty/],
      ['x.bin', new Uint8Array(200).map((_, i) => (i % 7 === 0 ? 0 : 65)), /looks like a binary file/],
      ['digit.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /is a PNG image, not text/],
    ];
    for (const [name, bytes, reason] of refusals) {
      const err = await client.request('datasets.checkText', { name, bytes }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerError);
      expect(err).toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(reason) });
    }
  });

  it('delivers binary payloads as typed arrays', async () => {
    const studio = new FakeStudio();
    const { client } = connect(studio);
    const bytes = new TextEncoder().encode('to be or not to be');
    const { jobId } = await client.request('train.start', { config: { ...config(1), data: { kind: 'upload', name: 'x.txt', bytes } } });
    await collect(client, jobId);
    const data = studio.trainConfigs[0]!.data;
    expect(data.kind).toBe('upload');
    if (data.kind === 'upload') {
      expect(data.bytes).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(data.bytes)).toBe('to be or not to be');
    }
  });

  it("acts only on the client's own jobs", async () => {
    const studio = new FakeStudio();
    const a = connect(studio).client;
    const b = connect(studio).client;
    const { jobId } = await a.request('train.start', { config: config(100_000) });
    await expect(b.request('job.cancel', { jobId })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    await expect(b.request('job.pause', { jobId: 'never-started' })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(studio.jobs[0]!.cancelled).toBe(false);
    await a.request('job.cancel', { jobId });
    expect((await collect(a, jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });

  it("cancels a client's sampling jobs when its pipe closes, not its trainings", async () => {
    const studio = new FakeStudio();
    const c = connect(studio);
    const other = connect(studio);
    const { runId } = await c.client.request('train.start', { config: config(100_000) });
    await c.client.request('sample.start', { runId, options: { length: 100_000 } });
    const { jobId: otherJob } = await other.client.request('sample.start', { runId, options: { length: 100_000 } });
    c.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(studio.jobs[0]!.cancelled).toBe(false); // the training belongs to the worker
    expect(studio.jobs[1]!.cancelled).toBe(true);
    expect(studio.jobs[2]!.cancelled).toBe(false);
    // Its events are still read to the end, so the Studio can release what the job held.
    await expect.poll(() => studio.jobs[1]!.ended).toBe(true);
    await other.client.request('job.cancel', { jobId: otherJob });
    studio.jobs[0]!.cancel();
  });

  it('reports a job that throws as an error event', async () => {
    const studio = new FakeStudio();
    studio.startTraining = async () => ({
      kind: 'train',
      runId: 'run-x',
      pausable: true,
      pause() {},
      resume() {},
      cancel() {},
      // eslint-disable-next-line require-yield
      async *events() {
        throw new Error('the model exploded');
      },
    });
    const { client } = connect(studio);
    const { jobId } = await client.request('train.start', { config: config(5) });
    expect(await collect(client, jobId)).toEqual([{ kind: 'error', code: 'INTERNAL_ERROR', message: 'the model exploded' }]);
  });

  it('checks outgoing results against the protocol under test', async () => {
    const studio = new FakeStudio();
    studio.breakRunsList = true;
    const { client } = connect(studio);
    const err = await client.request('runs.list', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect((err as Error).message).toMatch(/result of runs.list does not match the protocol: 0\.id/);
  });
});

describe('dispatcher and malformed messages', () => {
  const valid = (id: string) => ({ v: 1, type: 'request', id, method: 'info', params: {} });

  const cases: { name: string; message: unknown; id: string; match: RegExp }[] = [
    { name: 'a string', message: 'hello', id: '', match: /expected an object, got string/ },
    { name: 'null', message: null, id: '', match: /expected an object, got null/ },
    { name: 'an array', message: [1, 2], id: '', match: /expected an object, got an array/ },
    { name: 'a wrong version', message: { ...valid('a1'), v: 2 }, id: 'a1', match: /malformed request: v: / },
    { name: 'a wrong type', message: { ...valid('a2'), type: 'event' }, id: 'a2', match: /malformed request: type: / },
    { name: 'no id', message: { v: 1, type: 'request', method: 'info', params: {} }, id: '', match: /malformed request: id: / },
    { name: 'an unknown method', message: { ...valid('a3'), method: 'rm -rf' }, id: 'a3', match: /unknown method 'rm -rf'/ },
    { name: 'a method that is not a string', message: { ...valid('a4'), method: 7 }, id: 'a4', match: /malformed request: method: / },
    {
      name: 'bad params',
      message: { ...valid('a5'), method: 'train.start', params: { config: { ...config(0) } } },
      id: 'a5',
      match: /bad params for train.start: config\.steps: enter a whole number from 1 to 10,000,000/,
    },
    { name: 'params of the wrong type', message: { ...valid('a6'), method: 'runs.get', params: 'run-1' }, id: 'a6', match: /bad params for runs.get: / },
    {
      name: 'a run id with a path in it',
      message: { ...valid('a7'), method: 'runs.get', params: { runId: '../../etc' } },
      id: 'a7',
      match: /bad params for runs.get: runId: a run id holds only/,
    },
    { name: 'a job id that is too long', message: { ...valid('a8'), method: 'job.cancel', params: { jobId: 'x'.repeat(65) } }, id: 'a8', match: /jobId/ },
  ];

  for (const c of cases) {
    it(`answers ${c.name} with PROTOCOL_ERROR and keeps serving`, async () => {
      const studio = new FakeStudio();
      const { peer, close } = rawPeer(studio);
      peer.pipe.send(c.message);
      const reply = (await peer.next((m) => (m as { id?: unknown }).id === c.id)) as Record<string, unknown>;
      expect(reply).toMatchObject({ v: 1, type: 'response', id: c.id, ok: false, error: { code: 'PROTOCOL_ERROR' } });
      const message = (reply.error as { message: string }).message;
      expect(message).toMatch(c.match);
      expect(message.length).toBeLessThan(700);
      const ok = await peer.exchange(valid('after'), 'after');
      expect(ok).toMatchObject({ ok: true, result: { backend: 'fake' } });
      close();
    });
  }

  it('stops serving when the returned function is called', async () => {
    const studio = new FakeStudio();
    const { peer, stop, close } = rawPeer(studio);
    const started = await peer.exchange({ ...valid('t'), method: 'train.start', params: { config: config(100_000) } }, 't');
    expect(started).toMatchObject({ ok: true });
    const sampling = await peer.exchange({ ...valid('s'), method: 'sample.start', params: { runId: 'run-1', options: { length: 100_000 } } }, 's');
    expect(sampling).toMatchObject({ ok: true });
    stop();
    expect(studio.jobs[0]!.cancelled).toBe(false);
    expect(studio.jobs[1]!.cancelled).toBe(true);
    studio.jobs[0]!.cancel();
    peer.pipe.send(valid('ignored'));
    await expect(peer.next((m) => (m as { id?: unknown }).id === 'ignored', 100)).rejects.toThrow('no matching message');
    close();
  });
});

/**
 * Jobs belong to the worker, not to a page (core/worker/jobRegistry.ts behind the dispatcher): a
 * training goes on when the client that started it leaves, another client lists it and attaches
 * to its events, and trainings beyond the limit wait in a queue that can be cancelled from.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { createInProcessClient, type InProcessClient } from '../../../core/worker/inProcess.ts';
import { JobRegistry } from '../../../core/worker/jobRegistry.ts';
import { FakeStudio } from './fakeStudio.ts';
import { collect } from './helpers.ts';

const config = (steps: number): TrainConfigInput => ({
  model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 16, layers: 1 },
  data: { kind: 'builtin', name: 'sonnets' },
  steps,
});

const open: InProcessClient[] = [];
function connect(studio: FakeStudio, jobs?: JobRegistry): InProcessClient {
  const c = createInProcessClient(studio, jobs ? { jobs } : {});
  open.push(c);
  return c;
}
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

/** The first event of `jobId` that matches, as `client` hears it. */
function nextEvent(c: InProcessClient, jobId: string, pred: (e: JobEvent) => boolean): Promise<JobEvent> {
  return new Promise((resolve) => {
    let found: JobEvent | null = null;
    let off: (() => void) | null = null;
    off = c.client.onJob(jobId, (e) => {
      if (found || !pred(e)) return;
      found = e;
      off?.();
      resolve(e);
    });
    if (found) off();
  });
}

describe('jobs that belong to the worker', () => {
  it('keeps a training running when its client disconnects; another client lists it, attaches and hears it to the end', async () => {
    const studio = new FakeStudio();
    const jobs = new JobRegistry({ maxConcurrentTrainings: 4 });
    const page = connect(studio, jobs);
    const { jobId, runId } = await page.client.request('train.start', { config: config(40) });
    await nextEvent(page, jobId, (e) => e.kind === 'progress' && e.step >= 3);
    page.close(); // the page reloads
    await new Promise((r) => setTimeout(r, 20));
    expect(studio.jobs[0]!.cancelled).toBe(false);

    const reloaded = connect(studio, jobs);
    const listed = await reloaded.client.request('jobs.list', {});
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ jobId, kind: 'train', runId, state: 'running', pausable: true });
    expect(listed[0]!.progress!.step).toBeGreaterThanOrEqual(3);

    const attached = await reloaded.client.request('job.attach', { jobId });
    expect(attached).toMatchObject({ jobId, runId });
    const events = await collect(reloaded.client, jobId);
    const steps = events.filter((e) => e.kind === 'progress').map((e) => (e.kind === 'progress' ? e.step : 0));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.at(-1)).toBe(40);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    // An attached client may control the job; the list is empty once it ended.
    expect(await reloaded.client.request('jobs.list', {})).toEqual([]);
    await expect(reloaded.client.request('job.attach', { jobId })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });

  it('lets an attached client pause and cancel, and no other', async () => {
    const studio = new FakeStudio();
    const jobs = new JobRegistry({ maxConcurrentTrainings: 4 });
    const a = connect(studio, jobs);
    const b = connect(studio, jobs);
    const { jobId } = await a.client.request('train.start', { config: config(100_000) });
    await expect(b.client.request('job.cancel', { jobId })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    await b.client.request('job.attach', { jobId });
    await b.client.request('job.cancel', { jobId });
    expect((await collect(a.client, jobId)).at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });

  it('holds a third training in a queue until one of two running ends, and cancels a queued one', async () => {
    const studio = new FakeStudio();
    const jobs = new JobRegistry({ maxConcurrentTrainings: 2 });
    const c = connect(studio, jobs);
    const first = await c.client.request('train.start', { config: config(100_000) });
    const second = await c.client.request('train.start', { config: config(100_000) });
    const thirdQueued = (async () => {
      const third = await c.client.request('train.start', { config: config(20) });
      return { third, queued: await nextEvent(c, third.jobId, (e) => e.kind === 'queued') };
    })();
    const { third, queued } = await thirdQueued;
    expect(queued).toEqual({ kind: 'queued', position: 1 });
    const fourth = await c.client.request('train.start', { config: config(20) });
    expect(await nextEvent(c, fourth.jobId, (e) => e.kind === 'queued')).toEqual({ kind: 'queued', position: 2 });

    const listed = await c.client.request('jobs.list', {});
    expect(listed.map((j) => [j.jobId, j.state, j.position])).toEqual([
      [first.jobId, 'running', undefined],
      [second.jobId, 'running', undefined],
      [third.jobId, 'queued', 1],
      [fourth.jobId, 'queued', 2],
    ]);
    // The queued ones have not started: no progress yet.
    await new Promise((r) => setTimeout(r, 30));
    expect(studio.jobs[2]!.ended).toBe(false);

    // Cancelling a queued training ends it at once, cancelled, without a step; the other moves up.
    const fourthEvents = collect(c.client, fourth.jobId);
    const thirdMovesUp = nextEvent(c, third.jobId, (e) => e.kind === 'queued');
    await c.client.request('job.cancel', { jobId: fourth.jobId });
    const ended = await fourthEvents;
    expect(ended.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    expect(ended.some((e) => e.kind === 'progress')).toBe(false);
    expect(await thirdMovesUp).toEqual({ kind: 'queued', position: 1 });

    // One running training ends: the queued one starts and runs to its end.
    const thirdEvents = collect(c.client, third.jobId);
    await c.client.request('job.cancel', { jobId: first.jobId });
    const events = await thirdEvents;
    expect(events).toContainEqual({ kind: 'state', state: 'running' });
    expect(events.filter((e) => e.kind === 'progress')).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    await c.client.request('job.cancel', { jobId: second.jobId });
  });
});

/**
 * The run store never leaves its folder: run ids are checked, and a run folder (or a file in it)
 * that is a symbolic link is refused — never followed for reading, never written through.
 */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore, type NewRun } from '../../../core/runs/runStore.ts';

const root = mkdtempSync(join(tmpdir(), 'ars-runstore-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const newRun = (name: string): NewRun => ({
  name,
  dataset: 'cats.txt',
  corpusText: 'the cat sat on the mat',
  meta: {
    state: 'created',
    step: 0,
    totalSteps: 10,
    config: {},
    model: { family: 'rnn', cell: 'gru', vocabSize: 12, embedding: 8, hidden: 16, layers: 1 },
    vocab: [],
    backend: 'cpu',
    versions: {},
    checkpointStep: null,
    lastTrainLoss: null,
    lastValLoss: null,
    pid: null,
    error: null,
  },
});

describe('RunStore paths', () => {
  it('refuses run ids that could leave the runs folder', async () => {
    const store = new RunStore(join(root, 'ids'));
    for (const id of ['..', '../x', '/etc', 'a/b', 'a\\b', '', 'x'.repeat(81), 'C:\\Windows', '.', 'a\0b']) {
      await expect(store.open(id), JSON.stringify(id)).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/not a valid run id/) });
      await expect(store.delete(id)).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
    }
  });

  it('refuses a run folder that is a symbolic link to a folder elsewhere, and does not list it', async () => {
    const home = join(root, 'links');
    const store = new RunStore(home);
    const real = await store.create(newRun('real'));
    // A run folder from elsewhere, linked into runs/ under a valid id.
    const outside = join(root, 'outside-run');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'run.json'), readFileSync(join(real.dir, 'run.json'), 'utf8').replace(real.id, 'linked-run'));
    writeFileSync(join(outside, 'corpus.txt'), 'SECRET');
    symlinkSync(outside, join(store.root, 'linked-run'), 'dir');
    await expect(store.open('linked-run')).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/is a link to a folder elsewhere/) });
    expect((await store.list()).map((r) => r.id)).toEqual([real.id]);
    await expect(store.delete('linked-run')).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
    expect(readFileSync(join(outside, 'corpus.txt'), 'utf8')).toBe('SECRET');
  });

  it('never reads or appends through a symbolic link inside a run folder', async () => {
    const store = new RunStore(join(root, 'inner'));
    const run = await store.create(newRun('inner links'));
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    rmSync(join(run.dir, 'corpus.txt'));
    symlinkSync(victim, join(run.dir, 'corpus.txt'));
    await expect(run.readCorpus()).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/symbolic link/) });
    symlinkSync(victim, join(run.dir, 'metrics.jsonl'));
    await expect(run.appendMetrics([{ step: 1, time: 0, trainLoss: 1 }])).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
    await expect(run.readMetrics()).rejects.toMatchObject({ code: 'RUN_STORE_ERROR' });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    // run.json is replaced by rename, which replaces a link rather than writing through it.
    const runJson = join(run.dir, 'run.json');
    const saved = readFileSync(runJson, 'utf8');
    rmSync(runJson);
    symlinkSync(victim, runJson);
    await expect(store.open(run.id)).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/symbolic link/) });
    rmSync(runJson);
    writeFileSync(runJson, saved);
    const reopened = await store.open(run.id);
    symlinkSync(victim, join(run.dir, 'checkpoints'));
    await expect(reopened.checkpoints.loadLatest()).rejects.toMatchObject({ code: 'CHECKPOINT_ERROR', message: expect.stringMatching(/symbolic link/) });
    expect(lstatSync(victim).isFile()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a torn metrics line from a failed append does not swallow the next records', async () => {
    const store = new RunStore(join(root, 'torn'));
    const run = await store.create(newRun('torn'));
    await run.appendMetrics([{ step: 1, time: 0, trainLoss: 2 }]);
    writeFileSync(join(run.dir, 'metrics.jsonl'), `${readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8')}{"step":2,"ti`);
    (run as unknown as { metricsTorn: boolean }).metricsTorn = true; // as after a failed append
    await run.appendMetrics([{ step: 2, time: 0, trainLoss: 1.5 }]);
    expect((await run.readMetrics()).map((m) => m.step)).toEqual([1, 2]);
  });
});

/**
 * A run left 'training' is marked interrupted once the process that trained it is gone — also
 * when its pid now belongs to an unrelated process (pids are reused after a crash).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { currentProcessOwner, ownerAlive, processStartId } from '../../../core/runs/processIdentity.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const home = mkdtempSync(join(tmpdir(), 'ars-owner-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const linux = process.platform === 'linux';

describe('process identity', () => {
  it.skipIf(!linux)('reads the start time of a live process, and nothing for a dead one', () => {
    expect(processStartId(process.pid)).toMatch(/^\d+$/);
    expect(currentProcessOwner()).toEqual({ pid: process.pid, pidStart: processStartId(process.pid) });
    expect(processStartId(2 ** 22 + 12345)).toBeNull();
  });

  it('tells the owner from a process that reused its pid', () => {
    const me = currentProcessOwner();
    expect(ownerAlive(me)).toBe(true);
    expect(ownerAlive({ pid: null })).toBe(false);
    expect(ownerAlive({ pid: 2 ** 22 + 12345, pidStart: null })).toBe(false);
    if (linux) expect(ownerAlive({ pid: process.pid, pidStart: '1' })).toBe(false);
  });

  it('the Studio marks a run whose trainer is gone (or was replaced under its pid) interrupted, and leaves a live one alone', async () => {
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const config = TrainConfig.parse({
      model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
      data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
      steps: 5,
      batch: 2,
      seq: 8,
    });
    const job = await studio.startTraining(config);
    for await (const e of job.events()) if (e.kind === 'error') throw new Error(e.message);
    const runJson = join(studio.runsRoot, job.runId, 'run.json');
    const rewrite = (patch: Record<string, unknown>) => writeFileSync(runJson, JSON.stringify({ ...JSON.parse(readFileSync(runJson, 'utf8')), ...patch }));
    const stateNow = async () => (await studio.listRuns()).find((r) => r.id === job.runId)!.state;

    // Another live process, recorded with its real start time: it is training; leave it alone.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => other.once('spawn', r));
      rewrite({ state: 'training', pid: other.pid, pidStart: processStartId(other.pid!) });
      expect(await stateNow()).toBe('training');
      // The same pid with another start time: the number was reused by an unrelated process.
      if (linux) {
        rewrite({ state: 'training', pid: other.pid, pidStart: '1' });
        expect(await stateNow()).toBe('interrupted');
      }
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // The trainer is gone.
    rewrite({ state: 'training', pid: other.pid, pidStart: null });
    expect(await stateNow()).toBe('interrupted');
    expect(JSON.parse(readFileSync(runJson, 'utf8'))).toMatchObject({ state: 'interrupted', pid: null, pidStart: null });
  });
});

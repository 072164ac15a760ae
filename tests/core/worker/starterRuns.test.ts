import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SampleOptions } from '../../../core/generate/options.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { RunStoreError } from '../../../core/errors.ts';
import { exportRunArchive } from '../../../core/runs/runArchive.ts';
import { RunStore } from '../../../core/runs/runStore.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { STARTER_MARKER, starterRunsOption } from '../../../core/worker/starterRuns.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { packStarter } from '../../../scripts/starter/build.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

const STARTER_ID = 'starter-cats';
let starterDir: string;
/** A trained run as an ordinary archive (to check that existing runs are left alone). */
let plainArchive: Uint8Array;
let plainRunId: string;

const fresh = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
function studioWithStarters(home: string, dir = starterDir, warnings: string[] = []): Studio {
  return new Studio({ home, progressIntervalMs: 0, backend: 'cpu', starterRuns: dir, warn: (m) => warnings.push(m) });
}

beforeAll(async () => {
  const work = fresh('ars-starter-work-');
  const studio = new Studio({ home: work, progressIntervalMs: 0, backend: 'cpu' });
  const config = TrainConfig.parse({
    model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 24, layers: 1 },
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps: 30,
    batch: 8,
    seq: 16,
    evalEvery: 10,
    checkpointEvery: 10,
  });
  const job = await studio.startTraining(config, 'cats');
  await drain(job);
  plainRunId = job.runId;
  plainArchive = (await studio.exportRun(plainRunId)).archive;
  // Packed as the build script packs the shipped starters.
  const stage = fresh('ars-starter-stage-');
  await packStarter(work, stage, plainRunId, { id: STARTER_ID, name: 'Starter cats', train: [] }, new Map());
  const archive = await exportRunArchive(await new RunStore(stage).open(STARTER_ID));
  starterDir = fresh('ars-starter-assets-');
  writeFileSync(join(starterDir, archive.fileName), archive.bytes);
});

describe('starter runs', () => {
  it('are installed on the first start of a data folder, marked starter, with one weights-only checkpoint, and sample at once', async () => {
    const home = fresh('ars-starter-home-');
    const studio = studioWithStarters(home);
    const runs = await studio.listRuns();
    expect(runs.map((r) => [r.id, r.name, r.starter, r.state, r.checkpointStep])).toEqual([[STARTER_ID, 'Starter cats', true, 'completed', 30]]);
    expect(existsSync(join(home, STARTER_MARKER))).toBe(true);
    const store = new RunStore(home);
    const run = await store.open(STARTER_ID);
    expect(await run.checkpoints.steps()).toEqual([30]);
    const { checkpoint } = await run.checkpoints.loadLatest();
    expect(Object.keys(checkpoint!.tensors).some((n) => n.startsWith('adam/'))).toBe(false);
    expect(Object.keys(checkpoint!.tensors).every((n) => n.startsWith('model/'))).toBe(true);
    const events = await drain(await studio.sample(STARTER_ID, SampleOptions.parse({ length: 20, prompt: 'the ', seed: 3 })));
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    // A starter is an ordinary run: it resumes (its optimiser starts afresh: the checkpoint has no Adam moments).
    const resumed = await drain(await studio.resumeTraining(STARTER_ID, 5));
    expect(resumed.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 35 } });
    expect((await studio.getRun(STARTER_ID)).starter).toBe(true);
  });

  it('a deleted starter stays deleted on the next start; restore brings back only the missing ones', async () => {
    const home = fresh('ars-starter-home-');
    const first = studioWithStarters(home);
    await first.deleteRun(STARTER_ID);
    expect(await first.listRuns()).toEqual([]);
    const second = studioWithStarters(home);
    expect(await second.listRuns()).toEqual([]);
    const restored = await second.restoreStarters();
    expect(restored.restored.map((r) => r.id)).toEqual([STARTER_ID]);
    expect(restored.present).toEqual([]);
    const again = await second.restoreStarters();
    expect(again).toEqual({ restored: [], present: [STARTER_ID] });
    expect((await second.listRuns()).map((r) => r.id)).toEqual([STARTER_ID]);
  });

  it('leaves the runs already in the folder as they are', async () => {
    const home = fresh('ars-starter-home-');
    await new Studio({ home, backend: 'cpu' }).importRun(plainArchive);
    const runJson = join(home, 'runs', plainRunId, 'run.json');
    const before = readFileSync(runJson);
    const runs = await studioWithStarters(home).listRuns();
    expect(runs.map((r) => r.id).sort()).toEqual([plainRunId, STARTER_ID].sort());
    expect(runs.find((r) => r.id === plainRunId)!.starter).toBeUndefined();
    expect(readFileSync(runJson)).toEqual(before);
  });

  it('a damaged starter archive is a clear warning, the Studio works and installs the others; restore names it', async () => {
    const dir = fresh('ars-starter-assets-');
    writeFileSync(join(dir, `${STARTER_ID}.ars-run.tgz`), readFileSync(join(starterDir, `${STARTER_ID}.ars-run.tgz`)));
    const good = readFileSync(join(dir, `${STARTER_ID}.ars-run.tgz`));
    writeFileSync(join(dir, 'starter-broken.ars-run.tgz'), good.subarray(0, good.byteLength >> 1));
    const home = fresh('ars-starter-home-');
    const warnings: string[] = [];
    const studio = studioWithStarters(home, dir, warnings);
    expect((await studio.listRuns()).map((r) => r.id)).toEqual([STARTER_ID]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^The starter run starter-broken could not be installed: /);
    await expect(studio.restoreStarters()).rejects.toThrow(RunStoreError);
    await expect(studio.restoreStarters()).rejects.toThrow(/starter-broken could not be installed/);
  });

  it('a missing starter folder is a warning, not a failed start; without the option nothing is installed', async () => {
    const warnings: string[] = [];
    const studio = studioWithStarters(fresh('ars-starter-home-'), join(tmpdir(), 'no-such-starter-folder'), warnings);
    expect(await studio.listRuns()).toEqual([]);
    expect(warnings.join('\n')).toMatch(/starter runs could not be installed: the starter runs are missing/);
    const home = fresh('ars-starter-home-');
    expect(await new Studio({ home, backend: 'cpu' }).listRuns()).toEqual([]);
    expect(existsSync(join(home, STARTER_MARKER))).toBe(false);
  });

  it('ARS_NO_STARTERS turns them off; otherwise the shipped folder is used', () => {
    expect(starterRunsOption({ ARS_NO_STARTERS: '1' })).toEqual({});
    expect(starterRunsOption({ ARS_STARTERS_DIR: '/x/starter' })).toEqual({ starterRuns: '/x/starter' });
    expect(starterRunsOption({ ARS_NO_STARTERS: '' }).starterRuns).toMatch(/assets[/\\]starter$/);
  });
});

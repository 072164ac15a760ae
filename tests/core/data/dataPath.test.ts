/**
 * Protocol clients name data files only inside <home>/datasets: `..`, absolute paths and
 * symbolic links that lead outside are refused; the Studio applies it to `file` sources.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetsFolder, resolveDatasetPath } from '../../../core/data/dataPath.ts';
import { loadTextSource } from '../../../core/data/textSource.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const home = mkdtempSync(join(tmpdir(), 'ars-datapath-'));
const datasets = datasetsFolder(home);
mkdirSync(join(datasets, 'sub'), { recursive: true });
writeFileSync(join(datasets, 'cats.txt'), REPETITIVE_TEXT);
writeFileSync(join(datasets, 'sub', 'dogs.txt'), REPETITIVE_TEXT);
writeFileSync(join(home, 'secret.txt'), 'TOP SECRET '.repeat(100));
symlinkSync(join(home, 'secret.txt'), join(datasets, 'leak.txt'));
symlinkSync(home, join(datasets, 'up'), 'dir');
symlinkSync(join(datasets, 'cats.txt'), join(datasets, 'alias.txt'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('resolveDatasetPath', () => {
  it('accepts files inside the datasets folder, links that stay inside included', async () => {
    expect(await resolveDatasetPath(datasets, 'cats.txt')).toBe(join(datasets, 'cats.txt'));
    expect(await resolveDatasetPath(datasets, 'sub/dogs.txt')).toBe(join(datasets, 'sub', 'dogs.txt'));
    expect(await resolveDatasetPath(datasets, './sub//dogs.txt')).toBe(join(datasets, 'sub', 'dogs.txt'));
    expect(await resolveDatasetPath(datasets, 'alias.txt')).toBe(join(datasets, 'cats.txt'));
  });

  it('refuses .., absolute paths, NUL, and links leading outside', async () => {
    const cases: [string, RegExp][] = [
      ['../secret.txt', /may not use "\.\."/],
      ['sub/../../secret.txt', /may not use "\.\."/],
      ['sub\\..\\..\\secret.txt', /may not use "\.\."/],
      [join(home, 'secret.txt'), /not an absolute one/],
      ['/etc/passwd', /not an absolute one/],
      ['C:\\Windows\\win.ini', /not an absolute one/],
      ['\\\\server\\share\\x.txt', /not an absolute one/],
      ['cats.txt\0.png', /NUL/],
      ['', /empty/],
      ['leak.txt', /leads outside the datasets folder/],
      ['up/secret.txt', /leads outside the datasets folder/],
      ['missing.txt', /there is no file "missing\.txt"/],
    ];
    for (const [path, why] of cases) {
      await expect(resolveDatasetPath(datasets, path), JSON.stringify(path)).rejects.toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(why) });
    }
    await expect(resolveDatasetPath(join(home, 'nowhere'), 'x.txt')).rejects.toThrow(/there is no datasets folder yet/);
  });

  it.skipIf(process.platform === 'win32')('a text source that is not a regular file (a FIFO) is refused, not read', async () => {
    const fifo = join(home, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(loadTextSource({ kind: 'file', path: fifo })).rejects.toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(/not a regular file/) });
  });
});

describe('the Studio with protocol clients (fileAccess: datasets, the default)', () => {
  const config = (path: string) =>
    TrainConfig.parse({
      model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
      data: { kind: 'file', path },
      steps: 1,
      batch: 2,
      seq: 8,
    });

  it('trains on a file in the datasets folder and refuses one outside it, creating no run', async () => {
    const studio = new Studio({ home });
    for (const path of ['../secret.txt', join(home, 'secret.txt'), 'leak.txt', 'up/secret.txt']) {
      await expect(studio.startTraining(config(path)), path).rejects.toMatchObject({ code: 'DATASET_ERROR', message: expect.stringMatching(/refused/) });
    }
    expect(await studio.listRuns()).toEqual([]);
    const job = await studio.startTraining(config('cats.txt'));
    for await (const e of job.events()) if (e.kind === 'error') throw new Error(e.message);
    expect((await studio.getRun(job.runId)).dataset).toBe('cats.txt');
  });

  it('the command line (fileAccess: any) may name any file', async () => {
    const studio = new Studio({ home, fileAccess: 'any' });
    const job = await studio.startTraining(config(join(home, 'secret.txt')));
    for await (const e of job.events()) if (e.kind === 'error') throw new Error(e.message);
    expect((await studio.getRun(job.runId)).dataset).toBe('secret.txt');
  });
});

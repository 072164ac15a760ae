/**
 * What a new user meets on the command line: --version and the `ars` launcher, negative values,
 * flags a model ignores, backend names, data of the wrong kind, missing files, errors on their
 * own line, run references (latest, unique starts of ids), and one exit status per kind of failure.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../core/data/pngImage.ts';
import { DatasetError } from '../../../core/errors.ts';
import type { SampleOptions } from '../../../core/generate/options.ts';
import type { BackendInfo } from '../../../core/protocol/messages.ts';
import type { Job } from '../../../core/worker/studio.ts';
import { FakeJob, FakeStudio } from '../worker/fakeStudio.ts';
import { Capture, harness, REPO, run } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-cliux-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const tfjsVersion = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json'), 'utf8')) as { version: string }).version;

/** Runs a command line against `studio` (a fresh FakeStudio by default); resolves to its status and output. */
async function ars(studio: FakeStudio | null, ...argv: string[]) {
  const h = harness(studio ?? new FakeStudio());
  const status = await run(h, ...argv);
  return { status, stdout: h.stdout.text, stderr: h.stderr.text, h };
}

/** Trains a tiny fake run and gives it `id`, created at `createdAt`. */
async function fakeRun(studio: FakeStudio, id: string, createdAt: string, model = 'lstm', name = id): Promise<void> {
  const before = new Set(studio.runs.keys());
  expect((await ars(studio, 'train', '--model', model, '--data', 'sonnets', '--steps', '2', '--name', name)).status).toBe(0);
  const made = [...studio.runs.keys()].find((k) => !before.has(k))!;
  const summary = studio.runs.get(made)!;
  studio.runs.delete(made);
  studio.runs.set(id, { ...summary, id, createdAt });
}

describe('--version and the ars launcher', () => {
  it('--version prints the package version, Node and the TensorFlow.js packages', async () => {
    const r = await ars(null, '--version');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`ars ${pkg.version}`);
    expect(lines).toContain(`node ${process.versions.node}`);
    expect(lines).toContain(`@tensorflow/tfjs ${tfjsVersion}`);
    expect(r.stdout).toMatch(/^@tensorflow\/tfjs-node (\d+\.\d+\.\d+|not installed)$/m);
  });

  it('package.json names an executable launcher that runs the CLI from any folder', async () => {
    const launcher = join(REPO, pkg.bin.ars!);
    expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    accessSync(launcher, constants.X_OK);
    // Run from elsewhere: tsx and the CLI are found from the package, not the working folder.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [launcher, '--version'], { cwd: dir, env: { ...process.env, ARS_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`ars ${pkg.version}`);
  }, 60_000);
});

describe('numbers', () => {
  it('takes a negative value as the value of its flag, and refuses it in the flag own words', async () => {
    const cases: [string[], string][] = [
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '-5'], '--steps must be a whole number of at least 1, got -5'],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', '--lr', '-0.5'], '--lr must be a number greater than 0, got -0.5'],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', '--hidden', '-1'], '--hidden must be a whole number of at least 4, got -1'],
      [['train', '--model', 'transformer', '--data', 'sonnets', '--steps', '5', '--heads', '-2'], '--heads must be a whole number of at least 1, got -2'],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '20000000'], '--steps must be a whole number of at most 10000000, got 20000000'],
      [['sample', '--run', 'r', '--length', '5', '--seed', '-1'], '--seed must be a whole number of at least 0, got -1'],
      [['sample', '--run', 'r', '--length', '5', '--temperature', '-0.1'], '--temperature must be a number of at least 0, got -0.1'],
      [['sample', '--run', 'r', '--length', '5', '--top-k', '-3'], '--top-k must be a whole number of at least 0, got -3'],
      [['sample', '--run', 'r', '--length', '2.5'], "--length must be a whole number, got '2.5'"],
      [['sample', '--run', 'r', '--samples', '-4', '--out', 'x.png'], '--samples must be a whole number of at least 1, got -4'],
      [['race', '--ar', 'a', '--nar', 'b', '--length', '8', '--draft', '-1'], '--draft must be a whole number of at least 1, got -1'],
      [['resume', '--run', 'r', '--steps', '-3'], '--steps must be a whole number of at least 0, got -3'],
      [['complete', '--run', 'r', '--image', 'x.png', '--out', 'y.png', '--rows', '-1'], '--rows must be a whole number from 0 to 28, got -1'],
      [['serve', '--port', '-1'], '--port must be a whole number from 0 to 65535, got -1'],
    ];
    for (const [argv, message] of cases) {
      const r = await ars(null, ...argv);
      expect(r.stderr, argv.join(' ')).toBe(`error: ${message}\n`);
      expect(r.status).toBe(2);
      expect(r.h.studioOptions).toEqual([]); // refused before the Studio opens
    }
  });

  it('every numeric flag of train, sample and race reads a negative number as its value', async () => {
    const flags: [string[], string[]][] = [
      [['train', '--model', 'transformer', '--data', 'sonnets', '--steps', '5'], ['batch', 'seq', 'layers', 'd-model', 'heads', 'ffn', 'context', 'lr']],
      [['train', '--model', 'gru', '--data', 'sonnets', '--steps', '5'], ['hidden', 'embedding']],
      [['train', '--model', 'pixelcnn', '--data', 'mnist', '--steps', '5'], ['channels', 'blocks']],
      [['sample', '--run', 'r', '--length', '5'], ['temperature', 'top-k', 'top-p', 'seed', 'iterations']],
      [['race', '--ar', 'a', '--nar', 'b', '--length', '5'], ['iterations', 'draft', 'seed']],
    ];
    for (const [base, names] of flags) {
      for (const flag of names) {
        const r = await ars(null, ...base, `--${flag}`, '-1');
        expect(r.stderr, `${base[0]} --${flag} -1`).toMatch(new RegExp(`^error: --${flag} must be a (whole )?number (of at least|greater than|from) .*, got -1\\n$`));
        expect(r.status).toBe(2);
      }
    }
  });

  it('a flag followed by another flag says that it needs a value', async () => {
    const r = await ars(null, 'sample', '--run', 'r', '--prompt', '--length', '5');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --prompt needs a value (for one that starts with '-', write --prompt=VALUE) (see ars sample --help)\n");
    const missing = await ars(null, 'train', '--model');
    expect(missing.stderr).toBe('error: --model needs a value (see ars train --help)\n');
  });

  it('a prompt that starts with a dash is given as --prompt=-…', async () => {
    const studio = new FakeStudio();
    await fakeRun(studio, 'r1', '2025-01-01T00:00:00.000Z');
    const r = await ars(studio, 'sample', '--run', 'r1', '--length', '3', '--prompt=-x', '--seed', '0');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('-xabc\n');
  });
});

describe('flags a model does not read', () => {
  it('train warns on stderr about each flag the chosen model ignores, and trains', async () => {
    const studio = new FakeStudio();
    const lstm = await ars(studio, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '2', '--heads', '3', '--d-model', '64', '--channels', '8');
    expect(lstm.status).toBe(0);
    expect(lstm.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: --d-model does nothing for an lstm model (it is for transformer and nar)',
      'warning: --heads does nothing for an lstm model (it is for transformer and nar)',
      'warning: --channels does nothing for an lstm model (it is for pixelcnn and masked-image)',
    ]);
    expect(studio.trainConfigs[0]!.model).not.toHaveProperty('heads');
    const transformer = await ars(studio, 'train', '--model', 'transformer', '--data', 'sonnets', '--steps', '2', '--hidden', '32', '--embedding', '8', '--layers', '2');
    expect(transformer.status).toBe(0);
    expect(transformer.stderr).toContain('warning: --hidden does nothing for a transformer model (it is for lstm, gru and rnn)\n');
    expect(transformer.stderr).toContain('warning: --embedding does nothing for a transformer model');
    expect(transformer.stderr).not.toContain('--layers');
    const quiet = await ars(studio, 'train', '--model', 'nar', '--data', 'sonnets', '--steps', '2', '--heads', '2', '--seq', '16');
    expect(quiet.stderr).not.toContain('warning');
  });

  it('pixelcnn warns about the text flags', async () => {
    const r = await ars(null, 'train', '--model', 'pixelcnn', '--data', 'mnist', '--steps', '2', '--seq', '16', '--heads', '2', '--hidden', '8');
    expect(r.stderr).toMatch(/^warning: --seq does nothing for a pixelcnn model \(it is for text models\)\nwarning: --hidden does nothing for a pixelcnn model .*\nwarning: --heads does nothing for a pixelcnn model/);
  });

  it('sample warns about --iterations for an autoregressive run and about image flags for a text run', async () => {
    const studio = new FakeStudio();
    await fakeRun(studio, 'r1', '2025-01-01T00:00:00.000Z');
    const r = await ars(studio, 'sample', '--run', 'r1', '--length', '3', '--iterations', '3', '--seed', '0', '--method', 'fast');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('warning: --method does nothing for an lstm run (it is for pixelcnn runs)\nwarning: --iterations does nothing for an lstm run (it is for nar runs)\n');
    expect(r.stdout).toBe('abc\n');
  });
});

describe('backends', () => {
  it('an unknown --backend or ARS_BACKEND is refused, naming the valid ones; aliases are taken', async () => {
    const r = await ars(null, 'runs', '--backend', 'tpu');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --backend must be one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu or auto (got 'tpu')\n");
    expect(r.h.studioOptions).toEqual([]);
    const env = harness(new FakeStudio());
    env.io.env = { ARS_BACKEND: 'tpu' };
    expect(await run(env, 'info')).toBe(2);
    expect(env.stderr.text).toBe("error: ARS_BACKEND must be one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu or auto (it is 'tpu')\n");
    const bench = await ars(null, 'bench', '--backend', 'tpu');
    expect(bench.status).toBe(2);
    const alias = await ars(null, 'runs', '--backend', 'GPU', '--runs-dir', dir);
    expect(alias.status).toBe(0);
    expect(alias.h.studioOptions[0]).toMatchObject({ backend: 'GPU' });
  });
});

describe('data of the wrong kind, and missing files', () => {
  it('a text corpus for pixelcnn, or an image set for a text model, is a usage error that says what to use', async () => {
    const image = await ars(null, 'train', '--model', 'pixelcnn', '--data', 'sonnets', '--steps', '5');
    expect(image.status).toBe(2);
    expect(image.stderr).toBe('error: sonnets is a text corpus; pixelcnn trains on images: use --data mnist or a PNG folder / IDX file\n');
    const text = await ars(null, 'train', '--model', 'lstm', '--data', 'mnist', '--steps', '5');
    expect(text.status).toBe(2);
    expect(text.stderr).toBe('error: mnist is an image set; lstm trains on text: use --data sonnets or a UTF-8 text file\n');
  });

  it('a folder for a text model or a text file for pixelcnn is refused before training', async () => {
    const folder = await ars(null, 'train', '--model', 'gru', '--data', dir, '--steps', '5');
    expect(folder.status).toBe(1);
    expect(folder.stderr).toBe(`error: --data: ${dir} is a folder; gru trains on text: use --data sonnets or a UTF-8 text file\n`);
    const txt = join(dir, 'words.txt');
    await writeFile(txt, 'words\n');
    const file = await ars(null, 'train', '--model', 'pixelcnn', '--data', txt, '--steps', '5');
    expect(file.status).toBe(1);
    expect(file.stderr).toBe(`error: --data: ${txt} is a text file; pixelcnn trains on images: use --data mnist or a PNG folder / IDX file\n`);
  });

  it('a missing file is `file not found: PATH`, with the exit status of every other data error', async () => {
    const missing = join(dir, 'no-such-file');
    const cases: [string[], string][] = [
      [['train', '--model', 'lstm', '--data', missing, '--steps', '5'], `error: --data: file not found: ${missing}\n`],
      [['train', '--model', 'pixelcnn', '--data', missing, '--steps', '5'], `error: --data: file not found: ${missing}\n`],
      [['complete', '--run', 'r', '--image', missing, '--out', join(dir, 'o.png')], `error: --image: file not found: ${missing}\n`],
      [['import', '--archive', missing], `error: --archive: file not found: ${missing}\n`],
    ];
    for (const [argv, message] of cases) {
      const r = await ars(null, ...argv);
      expect(r.stderr, argv.join(' ')).toBe(message);
      expect(r.status).toBe(1);
    }
    await writeFile(join(dir, 'empty.txt'), '');
    expect((await ars(null, 'train', '--model', 'lstm', '--data', join(dir, 'empty.txt'), '--steps', '5')).status).toBe(1);
  });
});

/** A Studio whose sampling fails: at once (`after` 0, as for a prompt the model cannot read) or after some tokens. */
class FailingSampleStudio extends FakeStudio {
  constructor(private readonly after: number) {
    super();
  }
  override async sample(runId: string, options: SampleOptions): Promise<Job> {
    const after = this.after;
    return new FakeJob('sample', runId, async function* () {
      for (let i = 0; i < after; i++) yield { kind: 'token', index: i, tokenId: i, text: 'ab'[i % 2]!, prob: 0.5 };
      yield { kind: 'error', code: 'DATASET_ERROR', message: `the prompt "${options.prompt}" holds characters the model never saw` };
    });
  }
}

describe('errors stand on a line of their own', () => {
  it('a prompt the model cannot read prints nothing but the error', async () => {
    const studio = new FailingSampleStudio(0);
    await fakeRun(studio, 'r1', '2025-01-01T00:00:00.000Z');
    const h = harness(studio);
    const both = new Capture();
    h.io.stdout = both;
    h.io.stderr = both;
    expect(await run(h, 'sample', '--run', 'r1', '--length', '5', '--prompt', '日本')).toBe(1);
    expect(both.text).toBe('error: the prompt "日本" holds characters the model never saw\n');
  });

  it('an error after some text finishes the text line first', async () => {
    const studio = new FailingSampleStudio(3);
    await fakeRun(studio, 'r1', '2025-01-01T00:00:00.000Z');
    const h = harness(studio);
    const both = new Capture();
    h.io.stdout = both;
    h.io.stderr = both;
    expect(await run(h, 'sample', '--run', 'r1', '--length', '5', '--prompt', '> ')).toBe(1);
    expect(both.text).toBe('> aba\nerror: the prompt "> " holds characters the model never saw\n');
    // Apart: stdout's line is finished, stderr holds the error alone.
    const apart = await ars(studio, 'sample', '--run', 'r1', '--length', '5', '--prompt', '> ');
    expect(apart.stdout).toBe('> aba\n');
    expect(apart.stderr).toBe('error: the prompt "> " holds characters the model never saw\n');
  });
});

describe('run references', () => {
  async function threeRuns(): Promise<FakeStudio> {
    const studio = new FakeStudio();
    await fakeRun(studio, '20250101-090000-first-a1b2c3', '2025-01-01T09:00:00.000Z', 'lstm', 'first');
    await fakeRun(studio, '20250102-090000-second-d4e5f6', '2025-01-02T09:00:00.000Z', 'transformer', 'second');
    await fakeRun(studio, '20250102-100000-third-0a0b0c', '2025-01-02T10:00:00.000Z', 'gru', 'third');
    return studio;
  }

  it('a unique start of an id names the run, everywhere a run is named', async () => {
    const studio = await threeRuns();
    const show = await ars(studio, 'show', '--run', '20250101');
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('(20250101-090000-first-a1b2c3)');
    const sample = await ars(studio, 'sample', '--run', '20250102-09', '--length', '3', '--json');
    expect(JSON.parse(sample.stdout)).toMatchObject({ runId: '20250102-090000-second-d4e5f6' });
    const resume = await ars(studio, 'resume', '--run', '20250102-1', '--steps', '1', '--json');
    expect(JSON.parse(resume.stdout.trim().split('\n').at(-1)!)).toMatchObject({ runId: '20250102-100000-third-0a0b0c', step: 3 });
    const del = await ars(studio, 'delete', '--run', '20250101', '--yes');
    expect(del.stdout).toBe('deleted run 20250101-090000-first-a1b2c3\n');
    expect([...studio.runs.keys()]).not.toContain('20250101-090000-first-a1b2c3');
  });

  it('an ambiguous start lists the candidates (usage error); an unknown one is not found (status 1)', async () => {
    const studio = await threeRuns();
    const r = await ars(studio, 'show', '--run', '20250102');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'error: --run 20250102 matches 2 runs: 20250102-100000-third-0a0b0c (gru, third), 20250102-090000-second-d4e5f6 (transformer, second); give more of the id\n',
    );
    const none = await ars(studio, 'show', '--run', '2024');
    expect(none.status).toBe(1);
    expect(none.stderr).toBe('error: there is no run 2024 (see ars runs)\n');
  });

  it('latest is the newest run, of the kind the command needs', async () => {
    const studio = await threeRuns();
    const show = await ars(studio, 'show', '--run', 'latest', '--json');
    expect(JSON.parse(show.stdout)).toMatchObject({ id: '20250102-100000-third-0a0b0c' });
    const sample = await ars(studio, 'sample', '--run', 'latest', '--length', '2', '--json');
    expect(JSON.parse(sample.stdout)).toMatchObject({ runId: '20250102-100000-third-0a0b0c' });
    // race needs a transformer for --ar: latest skips the newer gru run.
    const race = await ars(studio, 'race', '--ar', 'latest', '--nar', 'latest', '--length', '4');
    expect(race.status).toBe(1);
    expect(race.stderr).toBe('error: --nar latest: there is no nar run yet (see ars runs)\n');
    await fakeRun(studio, '20250103-090000-nar-aaaaaa', '2025-01-03T09:00:00.000Z', 'nar', 'nar one');
    const raced = await ars(studio, 'race', '--ar', 'latest', '--nar', 'latest', '--length', '4', '--json');
    expect(raced.stderr).toBe('');
    expect(JSON.parse(raced.stdout)).toMatchObject({ arRunId: '20250102-090000-second-d4e5f6', narRunId: '20250103-090000-nar-aaaaaa' });
    const partial = join(dir, 'partial.png');
    await writeFile(partial, encodePng(new Float32Array(28 * 28), 28, 28));
    const complete = await ars(studio, 'complete', '--run', 'latest', '--image', partial, '--out', join(dir, 'c.png'));
    expect(complete.status).toBe(1);
    expect(complete.stderr).toBe('error: --run latest: there is no pixelcnn run yet (see ars runs)\n');
  });

  it('a run of the wrong kind is refused, naming what the command needs', async () => {
    const studio = await threeRuns();
    const r = await ars(studio, 'race', '--ar', '20250101', '--nar', '20250102-09', '--length', '4');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: --ar: run 20250101-090000-first-a1b2c3 is an lstm run; this needs a transformer run\n');
  });

  it('latest with no runs says so', async () => {
    const r = await ars(null, 'resume', '--run', 'latest');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: --run latest: there is no run yet (see ars runs)\n');
  });
});

/** A Studio with a bug: info() throws an ordinary Error. */
class BrokenStudio extends FakeStudio {
  override async info(): Promise<BackendInfo> {
    throw new Error('boom');
  }
  override async startTraining(): Promise<Job> {
    throw new DatasetError('the text is too short');
  }
}

describe('exit statuses', () => {
  it('one status per kind of failure, listed in the overall help', async () => {
    const help = await ars(null, '--help');
    expect(help.stdout).toMatch(/Exit status:\n {2}0 +done\n {2}1 +.*\n {2}2 +the command line is wrong.*\n {2}70 +internal error.*\n {2}130 +interrupted/);
    expect(help.stdout).toContain('latest');
    expect(help.stdout).toContain('ars --version');
    // usage: 2; data: 1; internal: 70 (with a hint to report it).
    expect((await ars(null, 'train', '--model', 'lstm')).status).toBe(2);
    expect((await ars(new BrokenStudio(), 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '3')).status).toBe(1);
    const broken = await ars(new BrokenStudio(), 'info');
    expect(broken.status).toBe(70);
    expect(broken.stderr).toBe('error: boom\n(an internal error: run again with ARS_DEBUG=1 for details, and please report it)\n');
  });

  it('progress goes to stderr; results and --json to stdout', async () => {
    const studio = new FakeStudio();
    const t = await ars(studio, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '3', '--json');
    expect(t.stderr).toBe('');
    for (const line of t.stdout.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const r = await ars(studio, 'resume', '--run', 'latest', '--steps', '2');
    expect(r.stderr).toMatch(/^run run-1\n/);
    expect(r.stdout).toMatch(/^completed run-1: step 5, /);
  });
});

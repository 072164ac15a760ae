import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitColumns, formatDuration, formatProgressLine } from '../../../core/cli/format.ts';
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { packTar, unpackTar } from '../../../core/runs/tar.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';
import { FakeStudio } from '../worker/fakeStudio.ts';
import { harness, run, spawnArs } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ars (the real entry, in a child process)', () => {
  it('--help prints the commands and exits 0', async () => {
    const r = await spawnArs(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: ars <command>');
    for (const c of ['train', 'sample', 'runs', 'info', 'serve', 'resume']) expect(r.stdout).toContain(`  ${c}`);
    expect(r.stderr).toBe('');
  });

  it('train --help exits 0', async () => {
    const r = await spawnArs(['train', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: ars train --model lstm|gru|rnn|transformer|nar|pixelcnn|masked-image --data sonnets|mnist|PATH --steps N');
  });

  it('an unknown command exits 2 with one line', async () => {
    const r = await spawnArs(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown command 'frobnicate' (see ars --help)\n");
  });

  it('a bad option exits 2 with one line and no stack', async () => {
    const r = await spawnArs(['train', '--model', 'lstm', '--data', 'sonnets', '--steps', 'many']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --steps must be a whole number, got 'many'\n");
  });
});

describe('ars (in-process, with a fake Studio)', () => {
  it('prints help for each command', async () => {
    for (const c of ['train', 'resume', 'sample', 'runs', 'info', 'serve']) {
      const h = harness(null);
      expect(await run(h, c, '--help')).toBe(0);
      expect(h.stdout.text).toContain(`Usage: ars ${c}`);
      const g = harness(null);
      expect(await run(g, 'help', c)).toBe(0);
      expect(g.stdout.text).toBe(h.stdout.text);
    }
  });

  it('reports usage errors with status 2', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: ars <command>/],
      [['train', '--data', 'sonnets', '--steps', '5'], /^error: --model is required/],
      [['train', '--model', 'gpt', '--data', 'sonnets', '--steps', '5'], /^error: --model must be lstm, gru, rnn, transformer, nar, pixelcnn or masked-image/],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', '--hidden', '2'], /^error: --hidden must be a whole number of at least 4, got 2\n$/],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', '--lr', 'fast'], /^error: --lr must be a number/],
      [['train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', 'extra'], /^error: unexpected argument 'extra'/],
      [['sample', '--run', 'r', '--length', '5', '--top-p', '0'], /^error: --top-p must be a number greater than 0, got 0\n$/],
      [['runs', '--bogus'], /^error: unknown option '--bogus' \(see ars runs --help\)\n$/],
      [['serve', '--port', '70000'], /^error: --port must be a whole number from 0 to 65535, got 70000\n$/],
    ];
    for (const [argv, match] of cases) {
      const h = harness(new FakeStudio());
      expect(await run(h, ...argv), argv.join(' ')).toBe(2);
      expect(h.stderr.text).toMatch(match);
      if (argv.length > 0) expect(h.stderr.lines()).toHaveLength(1);
    }
  });

  it('train --json prints one progress event a line, then the summary line', async () => {
    const studio = new FakeStudio();
    const h = harness(studio);
    const status = await run(h, 'train', '--model', 'gru', '--data', 'sonnets', '--steps', '20', '--hidden', '32', '--layers', '2', '--batch', '4', '--seq', '16', '--lr', '0.01', '--name', 'tiny', '--json', '--runs-dir', dir, '--backend', 'cpu');
    expect(h.stderr.text).toBe('');
    expect(status).toBe(0);
    const lines = h.stdout.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(21);
    expect(lines.slice(0, 20).map((l) => l.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(lines[0]).toMatchObject({ kind: 'progress', totalSteps: 20 });
    const last = lines[20]!;
    expect(Object.keys(last).sort()).toEqual(['runId', 'state', 'step', 'trainLoss', 'valLoss']);
    expect(last).toMatchObject({ runId: 'run-1', step: 20, state: 'completed' });
    expect(typeof last.trainLoss).toBe('number');
    expect(typeof last.valLoss).toBe('number');
    expect(studio.trainConfigs[0]).toMatchObject({
      model: { family: 'rnn', cell: 'gru', hidden: 32, layers: 2, embedding: 64 },
      data: { kind: 'builtin', name: 'sonnets' },
      batch: 4,
      seq: 16,
      lr: 0.01,
    });
    expect(h.studioOptions).toEqual([{ home: dir, backend: 'cpu', fileAccess: 'any' }]);
  });

  it('train resolves a data path, and the runs home and backend from the environment', async () => {
    const studio = new FakeStudio();
    const h = harness(studio);
    await mkdir(join(dir, 'corpus'), { recursive: true });
    await writeFile(join(dir, 'corpus', 'text.txt'), 'some text to learn from\n');
    h.io.cwd = dir;
    h.io.env = { ARS_HOME: dir, ARS_BACKEND: 'wasm', ARS_NO_STARTERS: '1' };
    expect(await run(h, 'train', '--model', 'rnn', '--data', 'corpus/text.txt', '--steps', '3')).toBe(0);
    expect(studio.trainConfigs[0]!.data).toEqual({ kind: 'file', path: join(dir, 'corpus', 'text.txt') });
    expect(h.studioOptions).toEqual([{ home: dir, backend: 'wasm', fileAccess: 'any' }]);
    const d = harness(new FakeStudio());
    await run(d, 'runs');
    expect(d.studioOptions).toEqual([{ home: join(homedir(), '.autoregressive-studio'), fileAccess: 'any' }]);
  });

  it('train on a pipe prints a few progress lines on stderr and the outcome on stdout', async () => {
    const h = harness(new FakeStudio());
    expect(await run(h, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '40')).toBe(0);
    const lines = h.stderr.lines();
    expect(lines[0]).toBe('run run-1');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.length).toBeLessThan(30);
    expect(lines.at(-1)).toMatch(/^\[#+\] 40\/40 {2}loss \d\.\d{3} {2}val \d\.\d{3} {2}1,234 tok\/s {2}ETA 0s$/);
    expect(h.stdout.lines()).toHaveLength(1);
    expect(h.stdout.text).toMatch(/^completed run-1: step 40, train loss \d\.\d{3}, val loss \d\.\d{3}, 0s\n$/);
  });

  it('train on a TTY redraws one progress line in place, on stderr', async () => {
    const h = harness(new FakeStudio());
    h.stderr.isTTY = true;
    h.stderr.columns = 80;
    expect(await run(h, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '20')).toBe(0);
    expect(h.stdout.text).toMatch(/^completed run-1: step 20, /);
    const text = h.stderr.text;
    expect(text).toContain('\r[');
    expect(text).toContain('\x1b[K');
    // After each validation, the sample on its own line (newlines shown as ⏎), then the bar again.
    const lines = text.split('\n');
    const samples = lines.map((l) => l.split('\r').at(-1)!.replace('\x1b[K', '')).filter((l) => l.startsWith('step '));
    expect(samples).toEqual([5, 10, 15, 20].map((s) => `step ${s}: sample at ${s}⏎second line`));
    const drawn = lines.slice(1).flatMap((l) => l.split('\r')).map((l) => l.replace('\x1b[K', '')).filter((l) => l.startsWith('['));
    for (const l of drawn) expect(l.length).toBeLessThanOrEqual(79);
    expect(drawn.at(-1)).toContain('20/20');
  });

  it('Ctrl-C cancels training cleanly (status 130)', async () => {
    const studio = new FakeStudio();
    const h = harness(studio);
    const done = run(h, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '100000', '--json');
    await h.stdout.until((t) => t.includes('"step":3,'));
    h.interrupt();
    expect(await done).toBe(130);
    expect(studio.jobs[0]!.cancelled).toBe(true);
    const last = JSON.parse(h.stdout.lines().at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ runId: 'run-1', state: 'cancelled' });
    expect(h.stderr.text).toContain('cancelling');
  });

  it('resume continues a run', async () => {
    const studio = new FakeStudio();
    const h = harness(studio);
    await run(h, 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5');
    const r = harness(studio);
    expect(await run(r, 'resume', '--run', 'run-1', '--steps', '5', '--json')).toBe(0);
    const lines = r.stdout.lines().map((l) => JSON.parse(l) as { step: number });
    expect(lines[0]!.step).toBe(6);
    expect(lines.at(-1)).toMatchObject({ runId: 'run-1', step: 10, state: 'completed' });
  });

  it('sample streams text as it is generated', async () => {
    const studio = new FakeStudio({ tickMs: 2 });
    await run(harness(studio), 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '2');
    const h = harness(studio);
    const done = run(h, 'sample', '--run', 'run-1', '--length', '30', '--seed', '0', '--prompt', '> ', '--temperature', '0.5', '--top-k', '5', '--top-p', '0.9');
    await h.stdout.until((t) => t.startsWith('> abc'));
    expect(h.stdout.text.length).toBeLessThan(32); // still streaming
    expect(await done).toBe(0);
    expect(h.stdout.text).toBe('> abcdefghij \nabcdefghij \nabcdef\n');
  });

  it('sample --json prints one line at the end', async () => {
    const studio = new FakeStudio();
    await run(harness(studio), 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '2');
    const h = harness(studio);
    expect(await run(h, 'sample', '--run', 'run-1', '--length', '5', '--seed', '0', '--json')).toBe(0);
    const lines = h.stdout.lines();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ runId: 'run-1', prompt: '', text: 'abcde', tokens: [0, 1, 2, 3, 4], state: 'completed' });
  });

  it('runs lists runs as a table or JSON', async () => {
    const studio = new FakeStudio();
    const empty = harness(studio);
    expect(await run(empty, 'runs', '--runs-dir', dir)).toBe(0);
    expect(empty.stdout.text).toBe(`no runs yet in ${dir}\n`);
    await run(harness(studio), 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '5', '--name', 'first');
    const h = harness(studio);
    expect(await run(h, 'runs')).toBe(0);
    const [header, row] = h.stdout.lines();
    expect(header).toMatch(/^ID\s+NAME\s+STATE\s+STEP\s+TRAIN\s+VAL\s+MODEL\s+DATA\s+UPDATED$/);
    expect(row).toMatch(/^run-1\s+first\s+completed\s+5\/5\s+\d\.\d{3}\s+\d\.\d{3}\s+LSTM 1×256\s+sonnets\s+\d{4}-/);
    const j = harness(studio);
    expect(await run(j, 'runs', '--json')).toBe(0);
    expect(JSON.parse(j.stdout.text)).toHaveLength(1);
  });

  it('info prints the backend report', async () => {
    const h = harness(new FakeStudio());
    expect(await run(h, 'info')).toBe(0);
    expect(h.stdout.text).toContain('Backend  fake');
    expect(h.stdout.text).toMatch(/✗ tfjs-node-gpu\s+not installed/);
    const j = harness(new FakeStudio());
    expect(await run(j, 'info', '--json')).toBe(0);
    expect(JSON.parse(j.stdout.text)).toMatchObject({ backend: 'fake' });
  });

  it("reports the Studio's errors on one line with status 1", async () => {
    await writeFile(join(dir, 'empty.txt'), '');
    const h = harness(new FakeStudio());
    expect(await run(h, 'train', '--model', 'lstm', '--data', join(dir, 'empty.txt'), '--steps', '5')).toBe(1);
    expect(h.stderr.text).toBe('error: the file "empty.txt" is empty: choose a file that contains text\n');
    const s = harness(new FakeStudio());
    expect(await run(s, 'sample', '--run', 'nope', '--length', '5')).toBe(1);
    expect(s.stderr.text).toBe('error: there is no run nope (see ars runs)\n');
    // A run of the fake Studio's, deleted behind the command's back: the Studio's own error.
    const studio = new FakeStudio();
    await run(harness(studio), 'train', '--model', 'lstm', '--data', 'sonnets', '--steps', '2');
    const d = harness(studio);
    d.io.env = { ARS_DEBUG: '1' };
    const listRuns = studio.listRuns.bind(studio);
    studio.listRuns = async () => {
      const runs = await listRuns();
      studio.runs.clear();
      return runs;
    };
    expect(await run(d, 'sample', '--run', 'run-1', '--length', '5')).toBe(1);
    expect(d.stderr.text).toMatch(/^error: there is no run run-1\ncode: RUN_STORE_ERROR\n/);
    expect(d.stderr.text).toContain('WorkerError');
  });

  it('serve prints the address once and stops on Ctrl-C', async () => {
    const staticDir = join(dir, 'renderer');
    await mkdir(staticDir, { recursive: true });
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>studio</title>');
    const h = harness(new FakeStudio(), { staticDir });
    const done = run(h, 'serve', '--port', '0');
    await h.stdout.until((t) => t.endsWith('\n'));
    const match = /^Autoregressive Studio is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))\n$/.exec(h.stdout.text);
    expect(match).not.toBeNull();
    expect(h.stderr.text).toBe('');
    const status = await new Promise<number>((resolve, reject) => httpGet(match![1]!, (res) => resolve(res.statusCode ?? 0)).on('error', reject));
    expect(status).toBe(200);
    h.interrupt();
    expect(await done).toBe(0);
  });

  it('serve warns when listening beyond this machine', async () => {
    const staticDir = join(dir, 'renderer');
    const h = harness(new FakeStudio(), { staticDir });
    const done = run(h, 'serve', '--host', '0.0.0.0');
    await h.stdout.until((t) => t.endsWith('\n'));
    expect(h.stderr.text).toMatch(/^warning: listening on 0\.0\.0\.0, not on this machine only/);
    h.interrupt();
    expect(await done).toBe(0);
  });

  it('serve without a built page says how to build it', async () => {
    const h = harness(new FakeStudio(), { staticDir: join(dir, 'nothing-here') });
    expect(await run(h, 'serve')).toBe(1);
    expect(h.stderr.text).toMatch(/^error: the web page is not built .*npm run web/);
    expect(h.stdout.text).toBe('');
  });
});

describe('ars prints names from files without terminal control characters', () => {
  it('runs, show and import show a run named with ESC, BEL and bidi overrides as plain text', async () => {
    const home = await mkdtemp(join(tmpdir(), 'ars-cli-names-'));
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const hostile = 'poems\x1b[2J\x1b]0;pwned\x07\u202e\x9b31m';
    const config = TrainConfig.parse({
      model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
      data: { kind: 'upload', name: `${hostile}.txt`, bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
      steps: 1,
      batch: 2,
      seq: 8,
    });
    const job = await studio.startTraining(config, hostile);
    for await (const e of job.events()) if (e.kind === 'error') throw new Error(e.message);
    const controls = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
    const outputs: string[] = [];
    for (const argv of [['runs'], ['show', '--run', job.runId]]) {
      const h = harness(studio);
      expect(await run(h, ...argv), argv.join(' ')).toBe(0);
      expect(h.stdout.text).toContain('poems');
      outputs.push(h.stdout.text);
    }
    // import: the run's name, and an archive entry named with escapes in the refusal.
    const exported = await studio.exportRun(job.runId);
    const good = join(home, 'good.tgz');
    await writeFile(good, exported.archive);
    const imported = harness(studio);
    expect(await run(imported, 'import', '--archive', good)).toBe(0);
    expect(imported.stdout.text).toMatch(/^imported run .*poems/);
    outputs.push(imported.stdout.text);
    const entries = unpackTar(new Uint8Array(gunzipSync(await readFile(good))));
    const bad = join(home, 'bad.tgz');
    await writeFile(bad, gzipSync(packTar([...entries, { name: `${job.runId}/\x1b[2J\x07evil`, data: new Uint8Array(1) }])));
    const refused = harness(studio);
    expect(await run(refused, 'import', '--archive', bad)).toBe(1);
    expect(refused.stderr.text).toMatch(/evil.*not part of a run/);
    outputs.push(refused.stderr.text);
    for (const text of outputs) expect(text.replace(/\n/g, ''), text).not.toMatch(controls);
    await rm(home, { recursive: true, force: true });
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(7380)).toBe('2h03m');
    expect(formatDuration(Number.NaN)).toBe('--');
  });

  it('fits a progress line into the width', () => {
    const e = { kind: 'progress' as const, runId: 'r', step: 50, totalSteps: 100, trainLoss: 2.5, tokensPerSec: 3412.4, lr: 0.001, elapsedSec: 10, etaSec: 10 };
    expect(formatProgressLine(e, 100)).toBe('[###############...............] 50/100  loss 2.500  val -  3,412 tok/s  ETA 10s');
    expect(formatProgressLine(e, 50).length).toBeLessThanOrEqual(50);
  });

  it('cuts a sample preview to the terminal width: Chinese characters take two columns, a surrogate pair is never split', () => {
    expect(fitColumns('abcdef', 4)).toBe('abcd');
    expect(fitColumns('春眠不覺曉', 5)).toBe('春眠');
    expect(fitColumns('a𠀀b', 2)).toBe('a'); // 𠀀 (two UTF-16 units) is wide: it does not fit in the one column left
    expect(fitColumns('𝔘𝔘𝔘', 2)).toBe('𝔘𝔘'); // narrow astral characters, kept whole
    expect(fitColumns('花落知多少，', 100)).toBe('花落知多少，');
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';
import { harness, run } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-distil-cli-'));
  await writeFile(join(dir, 'cats.txt'), REPETITIVE_TEXT);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SMALL = ['--d-model', '16', '--heads', '2', '--layers', '1', '--ffn', '32', '--batch', '4', '--seq', '16'];

describe('ars train --distill-from (a real Studio, in-process)', () => {
  it('trains a NAR model on text an AR run writes, its progress on stderr', async () => {
    const home = join(dir, 'home');
    const ar = harness(null);
    expect(await run(ar, 'train', '--model', 'transformer', '--data', join(dir, 'cats.txt'), '--steps', '10', ...SMALL, '--runs-dir', home)).toBe(0);
    const arId = /^run (\S+)/m.exec(ar.stderr.text)![1]!;

    // No --data: the AR run's.
    const h = harness(null);
    const status = await run(h, 'train', '--model', 'nar', '--distill-from', arId, '--distill-chars', '1500', '--distill-temperature', '0.9', '--seed', '4', '--steps', '5', ...SMALL, '--runs-dir', home);
    expect(h.stderr.text).toContain('Generating distillation text 1,500/1,500');
    expect(status).toBe(0);
    const narId = /^run (\S+)/m.exec(h.stderr.text)![1]!;
    expect(h.stdout.text).toMatch(/completed .*: step 5/);
    const meta = JSON.parse(await readFile(join(home, 'runs', narId, 'run.json'), 'utf8'));
    expect(meta.distillFrom).toEqual({ runId: arId, seed: 4, temperature: 0.9, characters: 1500 });
    // Its data is the AR run's (what it trains on is the generated corpus.txt).
    expect(meta.config.data).toEqual({ kind: 'file', path: join(dir, 'cats.txt') });
    expect([...(await readFile(join(home, 'runs', narId, 'corpus.txt'), 'utf8'))]).toHaveLength(1500);

    // The same AR run, seed and settings: the same text.
    const again = harness(null);
    expect(await run(again, 'train', '--model', 'nar', '--distill-from', arId, '--distill-chars', '1500', '--distill-temperature', '0.9', '--seed', '4', '--steps', '1', ...SMALL, '--runs-dir', home, '--json')).toBe(0);
    const againId = (JSON.parse(again.stdout.lines().at(-1)!) as { runId: string }).runId;
    expect(await readFile(join(home, 'runs', againId, 'corpus.txt'))).toEqual(await readFile(join(home, 'runs', narId, 'corpus.txt')));
  });

  it('says what is wrong with the run to distil from, and with the flags', async () => {
    const home = join(dir, 'errors');
    const absent = harness(null);
    expect(await run(absent, 'train', '--model', 'nar', '--data', join(dir, 'cats.txt'), '--distill-from', 'no-such-run', '--steps', '5', ...SMALL, '--runs-dir', home)).toBe(1);
    expect(absent.stderr.text).toMatch(/there is no run no-such-run/);
    const flags = harness(null);
    expect(await run(flags, 'train', '--model', 'nar', '--data', 'sonnets', '--distill-temperature', '0.5', '--steps', '5')).toBe(2);
    expect(flags.stderr.text).toMatch(/need --distill-from/);
    const bad = harness(null);
    expect(await run(bad, 'train', '--model', 'nar', '--data', 'sonnets', '--distill-from', 'x', '--distill-chars', '10', '--steps', '5')).toBe(2);
    expect(bad.stderr.text).toMatch(/--distill-chars/);
  });
});

/** `ars train --model masked-image` and `ars race-image --json`, with the real Studio, in child processes. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../core/data/pngImage.ts';
import { spawnArs } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-cli-race-img-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface RaceJson {
  arRunId: string;
  narRunId: string;
  state: string;
  lanes: { lane: string; label: string; passes: number; wallMs: number; nll: number; nlls: number[] }[];
}

describe('ars race-image', () => {
  it('races a PixelCNN run against a masked image run and prints each lane\'s passes, wall time and NLL', async () => {
    const home = join(dir, 'home');
    const common = ['--data', 'mnist', '--steps', '4', '--channels', '8', '--batch', '8', '--runs-dir', home, '--json'];
    const ar = await spawnArs(['train', '--model', 'pixelcnn', '--blocks', '1', '--binarize', 'stochastic', ...common]);
    expect(ar.status).toBe(0);
    const arRun = JSON.parse(ar.stdout.trim().split('\n').at(-1)!) as { runId: string; state: string; testNllStochastic: number };
    expect(arRun.state).toBe('completed');
    expect(arRun.testNllStochastic).toBeGreaterThan(0);
    const nar = await spawnArs(['train', '--model', 'masked-image', ...common]);
    expect(nar.stderr).toBe('');
    expect(nar.status).toBe(0);
    const narRun = JSON.parse(nar.stdout.trim().split('\n').at(-1)!) as { runId: string };

    const shown = await spawnArs(['show', '--run', arRun.runId, '--runs-dir', home, '--json']);
    expect((JSON.parse(shown.stdout) as { testNllStochastic: number }).testNllStochastic).toBe(arRun.testNllStochastic);

    const partial = new Float32Array(784);
    for (let r = 2; r < 14; r++) partial[r * 28 + 13] = 1;
    await writeFile(join(dir, 'partial.png'), encodePng(partial, 28, 28));
    const out = join(dir, 'race.png');
    const r = await spawnArs(['race-image', '--ar', arRun.runId, '--nar', 'latest', '--image', join(dir, 'partial.png'), '--rows', '14', '--samples', '2', '--iterations', '4', '--out', out, '--runs-dir', home, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const race = JSON.parse(r.stdout) as RaceJson;
    expect(race).toMatchObject({ arRunId: arRun.runId, narRunId: narRun.runId, state: 'completed' });
    expect(race.lanes.map((l) => l.lane)).toEqual(['pixelcnn', 'nar-t1', 'nar-tk']);
    expect(race.lanes.map((l) => l.passes)).toEqual([784 - 14 * 28, 1, 4]);
    for (const l of race.lanes) {
      expect(l.wallMs).toBeGreaterThan(0);
      expect(l.nll).toBeGreaterThan(0);
      expect(l.nlls).toHaveLength(2);
    }
    // One row of K completions per lane, each keeping the known rows.
    const png = PNG.sync.read(await readFile(out));
    expect([png.width, png.height]).toEqual([(2 * 28 + 2) * 4, (3 * 28 + 2 * 2) * 4]);
    for (let lane = 0; lane < 3; lane++) {
      for (let row = 0; row < 14; row++) {
        const y = (lane * 30 + row) * 4 + 2;
        const x = 13 * 4 + 2;
        expect(png.data[(y * png.width + x) * 4]! > 127 ? 1 : 0).toBe(partial[row * 28 + 13]);
      }
    }

    // A held-out digit instead of a drawing; a masked run where the PixelCNN belongs is refused.
    const d = await spawnArs(['race-image', '--ar', arRun.runId, '--nar', narRun.runId, '--digit', '5', '--samples', '1', '--iterations', '2', '--runs-dir', home, '--json']);
    expect(d.status).toBe(0);
    expect((JSON.parse(d.stdout) as RaceJson).lanes.map((l) => l.passes)).toEqual([392, 1, 2]);
    const wrong = await spawnArs(['race-image', '--ar', narRun.runId, '--nar', narRun.runId, '--digit', '5', '--runs-dir', home]);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toMatch(/pixelcnn run/);
  }, 240_000);
});

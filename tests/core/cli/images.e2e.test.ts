/** `ars train --model pixelcnn`, `ars sample --out` and `ars complete`, with the real Studio, in child processes. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../../core/data/pngImage.ts';
import { spawnArs } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-cli-img-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ars with PixelCNN runs', () => {
  it('trains on MNIST, samples a grid and completes a partial drawing, keeping its known rows', async () => {
    const home = join(dir, 'home');
    const t = await spawnArs(['train', '--model', 'pixelcnn', '--data', 'mnist', '--steps', '6', '--channels', '8', '--blocks', '1', '--first-kernel', '5', '--batch', '8', '--runs-dir', home, '--json']);
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    const last = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { runId: string; state: string };
    expect(last.state).toBe('completed');

    const grid = join(dir, 'grid.png');
    const s = await spawnArs(['sample', '--run', last.runId, '--samples', '3', '--out', grid, '--runs-dir', home, '--json']);
    expect(s.status).toBe(0);
    expect(s.stderr).toBe(''); // (tfjs warns there when it falls back to its plain-JS cpu backend)
    const sampled = JSON.parse(s.stdout) as { nll: number[]; backend: string };
    expect(sampled.nll).toHaveLength(3);
    // Sampling as the first thing a fresh worker does still sets up the chosen backend (not tfjs's default cpu).
    const meta = JSON.parse(await readFile(join(home, 'runs', last.runId, 'run.json'), 'utf8')) as { backend: string; config: { model: { firstKernel: number } } };
    expect(sampled.backend).toBe(meta.backend);
    expect(meta.config.model.firstKernel).toBe(5);
    const png = PNG.sync.read(await readFile(grid));
    expect([png.width, png.height]).toEqual([(3 * 28 + 2 * 2) * 4, 28 * 4]);

    // A partial drawing: a vertical bar in the top 12 rows.
    const partial = new Float32Array(784);
    for (let r = 2; r < 12; r++) partial[r * 28 + 14] = 1;
    await writeFile(join(dir, 'partial.png'), encodePng(partial, 28, 28));
    const out = join(dir, 'done.png');
    // latest: the newest pixelcnn run.
    const c = await spawnArs(['complete', '--run', 'latest', '--image', join(dir, 'partial.png'), '--rows', '12', '--samples', '2', '--out', out, '--runs-dir', home]);
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const done = PNG.sync.read(await readFile(out));
    // Every completion keeps the known rows exactly (scale 4: sample the centre of each cell).
    for (let k = 0; k < 2; k++) {
      for (let r = 0; r < 12; r++) {
        for (let col = 0; col < 28; col++) {
          const x = (k * 30 + col) * 4 + 2;
          const y = r * 4 + 2;
          expect(done.data[(y * done.width + x) * 4]! > 127 ? 1 : 0).toBe(partial[r * 28 + col]);
        }
      }
    }
  });

  it('says which file it cannot read', async () => {
    const r = await spawnArs(['complete', '--run', 'x', '--image', join(dir, 'nope.png'), '--out', join(dir, 'o.png'), '--runs-dir', join(dir, 'h')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: --image: file not found: ${join(dir, 'nope.png')}\n`);
  });
});

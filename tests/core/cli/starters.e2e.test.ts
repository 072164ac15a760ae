/**
 * The starter runs shipped in assets/starter, through the real `ars` in child processes, on a
 * fresh runs folder: listed at once, and completing a drawing and racing work without any
 * training; a deleted starter stays deleted until `ars starters --restore`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { spawnArs } from './cliHarness.ts';

const STARTERS = { ARS_NO_STARTERS: '' };
const AR = 'starter-transformer-sonnets';
const NAR = 'starter-nar-sonnets';
const PIXELCNN = 'starter-pixelcnn-mnist';

/** A 28×28 PNG with the top of a 7 drawn in white on black. */
function partialSeven(): Buffer {
  const png = new PNG({ width: 28, height: 28 });
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      const ink = (y >= 4 && y <= 5 && x >= 8 && x <= 20) || (x >= 18 && x <= 19 && y >= 4 && y <= 13);
      const i = (y * 28 + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = ink ? 255 : 0;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

describe('starter runs from the command line', () => {
  it('a fresh folder lists them; complete and race work at once; delete sticks; starters --restore brings it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ars-starters-cli-'));
    const runsDir = join(dir, 'home');
    const started = Date.now();
    const runs = await spawnArs(['runs', '--runs-dir', runsDir, '--json'], STARTERS, 120_000);
    expect(runs.stderr).toBe('');
    expect(runs.status).toBe(0);
    const list = JSON.parse(runs.stdout) as { id: string; starter?: boolean; state: string; checkpointStep: number | null }[];
    for (const id of [AR, NAR, PIXELCNN]) expect(list.find((r) => r.id === id)).toMatchObject({ starter: true, state: 'completed', checkpointStep: expect.any(Number) });
    console.log(`[starters] first 'ars runs' on a fresh folder (process start, backend, install): ${Date.now() - started} ms`);
    const table = await spawnArs(['runs', '--runs-dir', runsDir], STARTERS);
    expect(table.stdout).toMatch(/Starter PixelCNN \(MNIST\) \[starter\]/);
    expect((await spawnArs(['show', '--run', AR, '--runs-dir', runsDir], STARTERS)).stdout).toMatch(/\[starter: shipped with the app/);

    writeFileSync(join(dir, 'seven.png'), partialSeven());
    const out = join(dir, 'x.png');
    const complete = await spawnArs(['complete', '--run', PIXELCNN, '--image', join(dir, 'seven.png'), '--rows', '14', '--samples', '4', '--out', out, '--runs-dir', runsDir], STARTERS, 180_000);
    expect(complete.status, complete.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    const png = PNG.sync.read(readFileSync(out));
    expect(png.width).toBeGreaterThanOrEqual(4 * 28);

    const race = await spawnArs(['race', '--ar', AR, '--nar', NAR, '--length', '64', '--json', '--runs-dir', runsDir], STARTERS, 180_000);
    expect(race.status, race.stderr).toBe(0);
    const result = JSON.parse(race.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    console.log(`[starters] race: ${JSON.stringify(result).slice(0, 2000)}`);

    // Deleted, it stays deleted on the next start; --restore adds back only what is missing.
    expect((await spawnArs(['delete', '--run', NAR, '--yes', '--runs-dir', runsDir], STARTERS)).status).toBe(0);
    const after = JSON.parse((await spawnArs(['runs', '--runs-dir', runsDir, '--json'], STARTERS)).stdout) as { id: string }[];
    expect(after.map((r) => r.id)).not.toContain(NAR);
    expect(after).toHaveLength(list.length - 1);
    const restore = await spawnArs(['starters', '--restore', '--runs-dir', runsDir], STARTERS);
    expect(restore.status, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`restored ${NAR}`);
    expect(restore.stdout).toContain(`already there: `);
    const back = JSON.parse((await spawnArs(['runs', '--runs-dir', runsDir, '--json'], STARTERS)).stdout) as { id: string }[];
    expect(back.map((r) => r.id).sort()).toEqual(list.map((r) => r.id).sort());
    expect((await spawnArs(['starters', '--runs-dir', runsDir], STARTERS)).status).toBe(2);
  });

  it('ARS_NO_STARTERS=1 starts a folder empty', async () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'ars-starters-off-'));
    const runs = await spawnArs(['runs', '--runs-dir', runsDir, '--json'], { ARS_NO_STARTERS: '1' });
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });
});

/** The real `ars` command with the real Studio, in child processes. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnArs } from './cliHarness.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-cli-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ars with the real Studio', () => {
  it('train with an empty data file exits 1 with a DatasetError line', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    const r = await spawnArs(['train', '--model', 'lstm', '--data', empty, '--steps', '5', '--runs-dir', join(dir, 'home')]);
    expect(r.stderr).toBe('error: the file "empty.txt" is empty: choose a file that contains text\n');
    expect(r.status).toBe(1);
    const debug = await spawnArs(['train', '--model', 'lstm', '--data', empty, '--steps', '5', '--runs-dir', join(dir, 'home')], { ARS_DEBUG: '1' });
    expect(debug.stderr).toContain('code: DATASET_ERROR');
  });

  it('trains with --json, lists the run, samples from it', async () => {
    const home = join(dir, 'home');
    const t = await spawnArs(['train', '--model', 'gru', '--data', 'sonnets', '--steps', '10', '--hidden', '16', '--embedding', '8', '--batch', '4', '--seq', '16', '--runs-dir', home, '--json']);
    expect(t.stderr).toBe('');
    expect(t.status).toBe(0);
    const lines = t.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(1);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ step: 10, state: 'completed' });
    const runId = String(last.runId);

    const list = await spawnArs(['runs', '--runs-dir', home, '--json']);
    expect(list.status).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((r) => r.id)).toContain(runId);

    // latest: the run just trained.
    const s = await spawnArs(['sample', '--run', 'latest', '--length', '25', '--runs-dir', home, '--json']);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    const out = JSON.parse(s.stdout) as { text: string; tokens: number[]; state: string };
    expect([...out.text]).toHaveLength(25);
    expect(out.tokens).toHaveLength(25);
    expect(out.state).toBe('completed');
    expect((JSON.parse(s.stdout) as { runId: string }).runId).toBe(runId);

    // Export, import into another runs folder, and the same text comes out.
    const archive = join(dir, 'moved.tgz');
    const e = await spawnArs(['export', '--run', runId, '--out', archive, '--runs-dir', home]);
    expect(e.stderr).toBe('');
    expect(e.stdout).toMatch(new RegExp(`^wrote run ${runId} to .*moved\\.tgz \\(\\d+\\.\\d KiB\\)\n$`));
    const again = await spawnArs(['export', '--run', runId, '--out', archive, '--runs-dir', home]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/moved\.tgz exists already; choose another --out/);
    const elsewhere = join(dir, 'elsewhere');
    const i = await spawnArs(['import', '--archive', archive, '--runs-dir', elsewhere, '--json']);
    expect(i.stderr).toBe('');
    expect(JSON.parse(i.stdout)).toMatchObject({ id: runId, state: 'completed', step: 10 });
    const s2 = await spawnArs(['sample', '--run', runId, '--length', '25', '--runs-dir', elsewhere, '--json']);
    expect((JSON.parse(s2.stdout) as { text: string }).text).toBe(out.text);

    // show: the run in full, with what it wrote after its last validation; delete needs --yes.
    // A unique start of the id names the run.
    const shown = await spawnArs(['show', '--run', runId.slice(0, 18), '--runs-dir', elsewhere]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`(${runId})`);
    expect(shown.stdout).toMatch(/state {7}completed, step 10 of 10/);
    expect(shown.stdout).toMatch(/model {7}GRU 1×16/);
    expect(shown.stdout).toMatch(/\n {2}step +train +validation\n {2}10 +\d\.\d{3} +\d\.\d{3}\n/);
    expect(shown.stdout).toContain('after step 10 it wrote:\n  | ');
    const shownJson = JSON.parse((await spawnArs(['show', '--run', runId, '--runs-dir', elsewhere, '--json'])).stdout) as { metrics: unknown[]; previews: { step: number; text: string }[] };
    expect(shownJson.metrics).toHaveLength(10);
    expect([...shownJson.previews[0]!.text]).toHaveLength(120);
    const unsure = await spawnArs(['delete', '--run', runId, '--runs-dir', elsewhere]);
    expect(unsure.status).toBe(2);
    expect(unsure.stderr).toMatch(/add --yes to delete run/);
    expect((await spawnArs(['delete', '--run', runId, '--yes', '--runs-dir', elsewhere])).stdout).toBe(`deleted run ${runId}\n`);
    expect(JSON.parse((await spawnArs(['runs', '--runs-dir', elsewhere, '--json'])).stdout)).toEqual([]);

    const bad = await spawnArs(['import', '--archive', join(dir, 'moved.tgz'), '--runs-dir', elsewhere, '--json'].map((a) => (a.endsWith('moved.tgz') ? __filename : a)));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error: ".*\.ts" is not a run archive: the file is not a tar archive\n$/);
  });
});

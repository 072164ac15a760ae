/** `ars limits` with the real Studio, in process, at quick settings: the JSON each experiment prints. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, run } from './cliHarness.ts';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ars-limits-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function limitsJson(experiment: string): Promise<{ json: Record<string, unknown>; stderr: string }> {
  const h = harness(null);
  const status = await run(h, 'limits', '--experiment', experiment, '--quick', '--seed', '2', '--json', '--runs-dir', home, '--backend', 'wasm');
  expect(status).toBe(0);
  const lines = h.stdout.lines();
  expect(lines).toHaveLength(1);
  return { json: JSON.parse(lines[0]!) as Record<string, unknown>, stderr: h.stderr.text };
}

const fraction = expect.any(Number);

describe('ars limits --json', () => {
  it('context: accuracy by model and length', { timeout: 120_000 }, async () => {
    const { json, stderr } = await limitsJson('context');
    expect(json).toMatchObject({ experiment: 'context', seed: 2, state: 'completed', caption: expect.any(String) });
    const points = json.points as { model: string; length: number; accuracy: number }[];
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      expect(p).toEqual({ model: expect.stringMatching(/^(lstm|transformer)$/), length: expect.any(Number), accuracy: fraction });
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.accuracy).toBeLessThanOrEqual(1);
    }
    expect(new Set(points.map((p) => p.model))).toEqual(new Set(['lstm', 'transformer']));
    expect(points.some((p) => p.length === 4)).toBe(true);
    // Progress goes to stderr, a line per phase off a terminal.
    expect(stderr).toContain('training the Transformer…\n');
  });

  it('accumulation: accuracy by mode and position', { timeout: 120_000 }, async () => {
    const { json } = await limitsJson('accumulation');
    const points = json.points as { mode: string; position: number; accuracy: number }[];
    for (const p of points) expect(p).toEqual({ mode: expect.stringMatching(/^(teacher|free)$/), position: expect.any(Number), accuracy: fraction });
    const positions = (mode: string) => points.filter((p) => p.mode === mode).map((p) => p.position);
    expect(positions('teacher')).toEqual(positions('free'));
    expect(positions('free')[0]).toBe(1);
  });

  it('modes: the mix rate of every strategy', { timeout: 120_000 }, async () => {
    const { json } = await limitsJson('modes');
    const strategies = json.strategies as { strategy: string; mixRate: number }[];
    expect(strategies.map((s) => s.strategy)).toEqual(['ar', 'nar-1', 'mask-predict-4', 'mask-predict-10', 'nar-distilled']);
    for (const s of strategies) expect(s).toMatchObject({ strategy: expect.any(String), mixRate: fraction });
    // Its three models are kept as runs, which `ars runs` lists.
    const runs = json.runs as { role: string; runId: string; name: string }[];
    expect(runs.map((r) => r.role)).toEqual(['ar', 'nar', 'distilled']);
    const h = harness(null);
    expect(await run(h, 'runs', '--runs-dir', home)).toBe(0);
    for (const r of runs) expect(h.stdout.text).toContain(r.runId);
  });

  it('refuses an unknown experiment with a usage error', async () => {
    const h = harness(null);
    expect(await run(h, 'limits', '--experiment', 'speed')).toBe(2);
    expect(h.stderr.text).toMatch(/--experiment must be one of context, accumulation, modes/);
  });
});

/** `ars race --json` in-process with the real Studio: the JSON contract (lanes, the hybrid's passes, the frontier) and the drafter's checks. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';
import { harness, run } from './cliHarness.ts';

const tiny = (model: Record<string, unknown>, text = REPETITIVE_TEXT) =>
  TrainConfig.parse({
    model,
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(text) },
    steps: 10,
    batch: 4,
    seq: 24,
    evalEvery: 10,
    checkpointEvery: 10,
  });
const transformer = (dModel: number) => ({ family: 'transformer', dModel, heads: 2, layers: 1, ffn: 2 * dModel, context: 24 });

let studio: Studio;
const ids: Record<'ar' | 'nar' | 'small' | 'gru' | 'other', string> = { ar: '', nar: '', small: '', gru: '', other: '' };

beforeAll(async () => {
  studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-race-cli-')), progressIntervalMs: 0 });
  const train = async (config: TrainConfig) => {
    const job = await studio.startTraining(config);
    for await (const e of job.events()) void e;
    return job.runId;
  };
  ids.ar = await train(tiny(transformer(16)));
  ids.nar = await train(tiny({ ...transformer(16), family: 'maskPredict' }));
  ids.small = await train(tiny(transformer(8)));
  ids.gru = await train(tiny({ family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 }));
  ids.other = await train(tiny(transformer(8), `${REPETITIVE_TEXT.toUpperCase()} 0123456789`));
}, 120_000);

const race = async (...extra: string[]) => {
  const h = harness(studio);
  const status = await run(h, 'race', '--ar', ids.ar, '--nar', ids.nar, '--length', '20', '--iterations', '3', '--draft', '3', '--temperature', '0', '--json', ...extra);
  return { status, h };
};

interface RaceJson {
  arRunId: string;
  narRunId: string;
  drafterRunId: string;
  lanes: Record<string, unknown>[];
  frontier: { strategy: string; iterations?: number; draft?: number; msPerToken: number; nll: number }[];
  state: string;
}

describe('ars race --json', () => {
  it('prints every lane, the hybrid’s passes and the frontier', async () => {
    for (const drafter of [[], ['--drafter', ids.small]]) {
      const { status, h } = await race(...drafter);
      expect(h.stderr.text).toBe('');
      expect(status).toBe(0);
      const out = JSON.parse(h.stdout.text) as RaceJson;
      expect(out).toMatchObject({ arRunId: ids.ar, narRunId: ids.nar, drafterRunId: drafter.length ? ids.small : ids.nar, state: 'completed' });
      expect(out.lanes.map((l) => l.lane)).toEqual(['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid']);
      for (const l of out.lanes) {
        expect(l).toMatchObject({ text: expect.any(String), steps: expect.any(Number), wallMs: expect.any(Number), nll: expect.any(Number) });
        expect([...(l.text as string)]).toHaveLength(20);
      }
      const hybrid = out.lanes.at(-1)!;
      expect(hybrid.text).toBe(out.lanes[1]!.text); // greedy: the AR text
      expect(hybrid).toMatchObject({ arPasses: expect.any(Number), drafterPasses: expect.any(Number), tokensPerArPass: expect.any(Number) });
      expect((hybrid.arPasses as number) + (hybrid.drafterPasses as number)).toBe(hybrid.steps);
      expect(hybrid.tokensPerArPass).toBeCloseTo(20 / (hybrid.arPasses as number));
      expect(out.frontier.map((p) => [p.strategy, p.iterations ?? p.draft ?? null])).toEqual([
        ['ar-naive', null],
        ['ar-cache', null],
        ['mask-predict', 1],
        ['mask-predict', 2],
        ['mask-predict', 4],
        ['mask-predict', 10],
        ['hybrid', 1],
        ['hybrid', 2],
        ['hybrid', 4],
        ['hybrid', 8],
      ]);
      for (const p of out.frontier) expect(p.msPerToken > 0 && p.nll > 0).toBe(true);
    }
  }, 120_000);

  it('drafts 4 tokens a round with the NAR run and 1 with a small AR run unless --draft says otherwise', async () => {
    const hybridLabel = async (...extra: string[]) => {
      const h = harness(studio);
      const status = await run(h, 'race', '--ar', ids.ar, '--nar', ids.nar, '--length', '12', '--temperature', '0', '--json', ...extra);
      expect(status).toBe(0);
      return (JSON.parse(h.stdout.text) as RaceJson).lanes.find((l) => l.lane === 'hybrid')!.label;
    };
    expect(await hybridLabel()).toBe('Hybrid (draft 4)');
    expect(await hybridLabel('--drafter', ids.nar)).toBe('Hybrid (draft 4)');
    expect(await hybridLabel('--drafter', ids.small)).toBe('Hybrid (draft 1)');
    expect(await hybridLabel('--drafter', ids.small, '--draft', '3')).toBe('Hybrid (draft 3)');
  }, 120_000);

  it('refuses a drafter on another text, or one that cannot draft, with a clear error', async () => {
    const other = await race('--drafter', ids.other);
    expect(other.status).toBe(1);
    expect(other.h.stderr.text).toMatch(/drafter run .* does not share the AR run's vocabulary/);
    const gru = await race('--drafter', ids.gru);
    expect(gru.status).toBe(1);
    expect(gru.h.stderr.text).toMatch(/cannot draft: the drafter must be a Transformer \(AR\) or a NAR/);
  });
});

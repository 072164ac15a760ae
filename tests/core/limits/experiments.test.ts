import { beforeAll, describe, expect, it } from 'vitest';
import { runLimitsExperiment } from '../../../core/limits/runExperiment.ts';
import { LimitsResult, type LimitsEvent } from '../../../core/limits/schemas.ts';
import { maskAnswers, type ExperimentEvent } from '../../../core/limits/training.ts';
import { createRng } from '../../../core/rng.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(async () => {
  await useAppBackend();
});

async function collect(events: AsyncIterable<ExperimentEvent>): Promise<ExperimentEvent[]> {
  const out: ExperimentEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The models each experiment trains, in order (each is kept as a run by the worker). */
const ROLES = { context: ['transformer', 'lstm'], accumulation: ['transformer'], modes: ['ar', 'nar', 'distilled'] } as const;

describe('masking for the NAR models', () => {
  it('hides only answer positions, at least one a row, and weighs exactly the hidden ones', () => {
    const ids = Int32Array.from({ length: 4 * 8 }, (_, i) => i % 7);
    const m = maskAnswers(ids, 4, 8, 2, 99, createRng(1));
    expect([...m.original]).toEqual([...ids]);
    for (let b = 0; b < 4; b++) {
      const row = [...m.masked.subarray(b * 8, b * 8 + 8)];
      expect(row.slice(0, 2)).toEqual([...ids.subarray(b * 8, b * 8 + 2)]);
      expect(row.filter((x) => x === 99).length).toBeGreaterThanOrEqual(1);
      row.forEach((x, i) => expect(m.weight[b * 8 + i]).toBe(x === 99 ? 1 : 0));
    }
  });
});

describe('the experiments (quick settings)', () => {
  it('each streams progress, then one result that fits the protocol; the same seed gives the same result', { timeout: 120_000 }, async () => {
    for (const experiment of ['context', 'accumulation', 'modes'] as const) {
      const events = await collect(runLimitsExperiment({ experiment, seed: 3, quick: true }));
      const progress = events.filter((e) => e.kind === 'progress');
      expect(progress.length).toBeGreaterThan(1);
      for (const p of progress) expect(p.step).toBeLessThanOrEqual(p.total);
      const results = events.filter((e) => e.kind === 'result');
      expect(results).toHaveLength(1);
      expect(events.at(-1)!.kind).toBe('result');
      const result = LimitsResult.parse((results[0] as Extract<LimitsEvent, { kind: 'result' }>).result);
      const trained = events.flatMap((e) => (e.kind === 'trained' ? [e] : []));
      expect(trained.map((t) => t.keep.role)).toEqual([...ROLES[experiment]]);
      for (const t of trained) {
        // Trained to the last step, with the losses along the way, and a model of the declared shape.
        expect(t.points.at(-1)!.step).toBe(t.settings.steps);
        expect(t.keep.model.config.vocabSize).toBe(t.keep.vocab.size);
        expect(t.keep.config.family).toBe(t.keep.model.config.family);
      }
      expect(result.experiment).toBe(experiment);
      expect(result.caption.length).toBeGreaterThan(40);
      if (experiment === 'context') {
        const again = await collect(runLimitsExperiment({ experiment, seed: 3, quick: true }));
        expect(again.at(-1)).toEqual(events.at(-1));
      }
    }
  });

  it('stops without a result when its signal aborts', { timeout: 60_000 }, async () => {
    const abort = new AbortController();
    const events: ExperimentEvent[] = [];
    for await (const e of runLimitsExperiment({ experiment: 'modes', seed: 1, quick: true }, abort.signal)) {
      events.push(e);
      abort.abort();
    }
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.some((e) => e.kind === 'result')).toBe(false);
    expect(events.some((e) => e.kind === 'trained')).toBe(false);
  });
});

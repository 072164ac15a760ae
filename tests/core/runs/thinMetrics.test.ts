import { describe, expect, it } from 'vitest';
import { thinMetrics } from '../../../core/runs/thinMetrics.ts';

const run = (steps: number, evalEvery: number) =>
  Array.from({ length: steps }, (_, i) => ({ step: i + 1, trainLoss: 4 - i / steps, ...((i + 1) % evalEvery === 0 ? { valLoss: 4 - i / steps } : {}) }));

describe('thinMetrics', () => {
  it('keeps a short run whole', () => {
    const m = run(300, 50);
    expect(thinMetrics(m, 4000)).toEqual(m);
  });

  it('thins a long run to the budget, keeping every validation, the first and the last step, in order', () => {
    const m = run(100_000, 500);
    const thin = thinMetrics(m, 4000);
    expect(thin.length).toBeLessThanOrEqual(4001);
    expect(thin.length).toBeGreaterThan(3000);
    expect(thin.filter((r) => r.valLoss !== undefined).map((r) => r.step)).toEqual(m.filter((r) => r.valLoss !== undefined).map((r) => r.step));
    expect(thin[0]!.step).toBe(1);
    expect(thin.at(-1)!.step).toBe(100_000);
    for (let i = 1; i < thin.length; i++) expect(thin[i]!.step).toBeGreaterThan(thin[i - 1]!.step);
    // evenly: no gap between kept training records much wider than the stride
    const gaps = thin.slice(1).map((r, i) => r.step - thin[i]!.step);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(Math.ceil(100_000 / 3800));
  });
});

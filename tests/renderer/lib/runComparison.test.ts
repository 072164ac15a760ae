import { describe, expect, it } from 'vitest';
import type { RunDetail } from '../../../core/protocol/messages.ts';
import { comparisonCaveats, comparisonSeries, seenPerStep } from '../../../renderer/src/lib/runComparison.ts';
import { metricsCsv } from '../../../renderer/src/lib/metricsCsv.ts';

function run(id: string, family: string, config: Record<string, unknown>, metrics: RunDetail['metrics'], dataset = 'sonnets'): RunDetail {
  return { id, name: id, model: { family } as RunDetail['model'], config: config as RunDetail['config'], metrics, dataset } as RunDetail;
}

const lstm = run('lstm', 'rnn', { batch: 32, seq: 64 }, [
  { step: 1, time: 0, trainLoss: 4.5 },
  { step: 2, time: 1, trainLoss: 4.1, valLoss: 4.2 },
  { step: 3, time: 2, trainLoss: 3.9 },
  { step: 4, time: 3, trainLoss: Number.NaN, valLoss: 3.8 },
]);
const transformer = run('tf', 'transformer', { batch: 16, seq: 64 }, [{ step: 2, time: 0, trainLoss: 4, valLoss: 4.1 }]);
const nar = run('nar', 'maskPredict', { batch: 32, seq: 64 }, [{ step: 2, time: 0, trainLoss: 2, valLoss: 2.1 }]);
const pixel = run('px', 'pixelcnn', { batch: 16 }, [{ step: 10, time: 0, trainLoss: 0.2, valLoss: 0.21 }], 'mnist');

describe('run comparison', () => {
  it('puts each run on the same footing: loss against tokens (or images) seen, or against steps', () => {
    expect(seenPerStep(lstm)).toBe(2048);
    expect(seenPerStep(pixel)).toBe(16);
    const [a, b] = comparisonSeries([lstm, transformer], 'val', 'seen');
    expect(a!.points).toEqual([{ x: 4096, y: 4.2 }, { x: 8192, y: 3.8 }]);
    expect(b!.points).toEqual([{ x: 2048, y: 4.1 }]); // half the batch: half the tokens at step 2
    // Training time: each step's tokens over the throughput recorded with it, summed.
    const timed = run('t', 'rnn', { batch: 4, seq: 10 }, [
      { step: 1, time: 0, trainLoss: 4, tokensPerSec: 40 },
      { step: 2, time: 0, trainLoss: 3, valLoss: 3.5, tokensPerSec: 20 },
      { step: 5, time: 0, trainLoss: 2, tokensPerSec: 40 }, // thinned: 3 steps since the last record
    ]);
    expect(comparisonSeries([timed], 'train', 'time')[0]!.points).toEqual([{ x: 1, y: 4 }, { x: 3, y: 3 }, { x: 6, y: 2 }]);
    expect(comparisonSeries([timed], 'val', 'time')[0]!.points).toEqual([{ x: 3, y: 3.5 }]);
    const [train] = comparisonSeries([lstm], 'train', 'step');
    expect(train!.points).toEqual([{ x: 1, y: 4.5 }, { x: 2, y: 4.1 }, { x: 3, y: 3.9 }]); // NaN left out
  });

  it('says when the curves measure different things', () => {
    expect(comparisonCaveats([lstm, transformer])).toEqual([]);
    expect(comparisonCaveats([lstm, nar])).toEqual([expect.stringMatching(/mask-predict \(NAR\) model's loss is over the hidden characters only/)]);
    expect(comparisonCaveats([lstm, pixel])).toEqual([expect.stringMatching(/nats per pixel .*text losses nats per character/)]);
    expect(comparisonCaveats([lstm, { ...transformer, dataset: 'my.txt' }])).toEqual([expect.stringMatching(/different texts/)]);
  });

  it('writes metrics as CSV: the columns any row has, empty cells where a step lacks one', () => {
    const csv = metricsCsv([
      { step: 1, time: Date.UTC(2026, 10, 28, 12), trainLoss: 4.5 },
      { step: 2, time: Date.UTC(2026, 10, 28, 12, 0, 1), trainLoss: 4.1, valLoss: 4.2 },
    ]);
    expect(csv).toBe('step,time,trainLoss,valLoss\n1,2026-11-28T12:00:00.000Z,4.5,\n2,2026-11-28T12:00:01.000Z,4.1,4.2\n');
  });
});

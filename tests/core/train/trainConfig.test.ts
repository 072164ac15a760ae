import { describe, expect, it } from 'vitest';
import { DEFAULT_LEARNING_RATES, TrainConfig } from '../../../core/train/config.ts';

const data = { kind: 'builtin', name: 'sonnets' } as const;
const nar = { family: 'maskPredict', dModel: 32, heads: 2, layers: 1, ffn: 64, context: 64 } as const;
const ar = { ...nar, family: 'transformer' } as const;

describe('TrainConfig learning rate', () => {
  it('gives a run that names none its family default: lower for the mask-predict Transformer', () => {
    expect(TrainConfig.parse({ model: nar, data, steps: 10 }).lr).toBe(DEFAULT_LEARNING_RATES.maskPredict);
    expect(TrainConfig.parse({ model: ar, data, steps: 10 }).lr).toBe(DEFAULT_LEARNING_RATES.transformer);
    expect(TrainConfig.parse({ model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 }, data, steps: 10 }).lr).toBe(DEFAULT_LEARNING_RATES.rnn);
    expect(DEFAULT_LEARNING_RATES.maskPredict).toBeLessThan(DEFAULT_LEARNING_RATES.transformer);
  });

  it('keeps a rate that is given, so a stored run resumes with the one it trained with', () => {
    const stored = TrainConfig.parse({ model: nar, data, steps: 10, lr: 3e-3 });
    expect(stored.lr).toBe(3e-3);
    // run.json holds the parsed config: parsing it again changes nothing.
    expect(TrainConfig.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it('still refuses a rate out of range', () => {
    expect(TrainConfig.safeParse({ model: nar, data, steps: 10, lr: 0 }).success).toBe(false);
    expect(TrainConfig.safeParse({ model: nar, data, steps: 10, lr: 2 }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../core/protocol/messages.ts';
import { distillLabel, distillSources } from '../../../renderer/src/lib/distillSources.ts';

const shape = { dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16, dropout: 0, vocabSize: 40 };
function run(id: string, model: RunSummary['model'], dataset = 'sonnets', checkpointStep: number | null = 100): RunSummary {
  return {
    id,
    name: id,
    createdAt: '',
    updatedAt: '',
    state: 'completed',
    step: 100,
    totalSteps: 100,
    dataset,
    model,
    lastTrainLoss: null,
    lastValLoss: null,
    checkpointStep,
    backend: 'wasm',
  };
}

describe('distillation sources', () => {
  const runs = [
    run('tf', { family: 'transformer', ...shape, tiedOutput: true }),
    run('lstm', { family: 'rnn', cell: 'lstm', vocabSize: 40, embedding: 8, hidden: 16, layers: 1 }),
    run('nar', { family: 'maskPredict', ...shape, positions: 'learned', localContext: 0 }),
    run('pixel', { family: 'pixelcnn', channels: 8, residualBlocks: 1 } as RunSummary['model'], 'mnist'),
    run('other-text', { family: 'transformer', ...shape, tiedOutput: true }, 'poems.txt'),
    run('untrained', { family: 'transformer', ...shape, tiedOutput: true }, 'sonnets', null),
  ];

  it('offers the causal text runs of the same data that have a checkpoint', () => {
    expect(distillSources(runs, 'sonnets').map((r) => r.id)).toEqual(['tf', 'lstm']);
    expect(distillSources(runs, 'poems.txt').map((r) => r.id)).toEqual(['other-text']);
    expect(distillSources(runs, null)).toEqual([]);
  });

  it('names the generation phase with its progress', () => {
    expect(distillLabel({ done: 12000, total: 94000 })).toBe('Generating distillation text 12,000/94,000');
  });
});

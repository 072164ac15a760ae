import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unigramEntropy } from '../../../core/data/unigramEntropy.ts';
import { DEFAULT_POSITION_ENCODING } from '../../../core/models/positionEncoding.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { RunDetail } from '../../../core/protocol/messages.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const config = (model: TrainConfig['model'] | Record<string, unknown>) =>
  TrainConfig.parse({
    model,
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps: 20,
    batch: 8,
    seq: 16,
    evalEvery: 10,
    checkpointEvery: 10,
  });

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

describe('a text run’s figures', () => {
  it('every text run carries the unigram entropy of its text; a NAR run maskedLoss50 at each validation and in its detail', async () => {
    const studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-figures-')), progressIntervalMs: 0 });
    const entropy = unigramEntropy(REPETITIVE_TEXT);
    const nar = await studio.startTraining(config({ family: 'maskPredict', dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16 }));
    const events = await drain(nar);
    const progress = events.filter((e): e is Extract<JobEvent, { kind: 'progress' }> => e.kind === 'progress');
    expect(progress.every((e) => e.unigramEntropy === entropy)).toBe(true);
    expect(progress.filter((e) => e.maskedLoss50 !== undefined).map((e) => e.step)).toEqual([10, 20]);
    const detail = RunDetail.parse(await studio.getRun(nar.runId));
    expect(detail.unigramEntropy).toBeCloseTo(entropy, 12);
    expect(detail.model.family === 'maskPredict' && detail.model.positions).toBe(DEFAULT_POSITION_ENCODING);
    const evaluated = detail.metrics.filter((m) => m.maskedLoss50 !== undefined);
    expect(evaluated.map((m) => m.step)).toEqual([10, 20]);
    expect(detail.maskedLoss50).toBe(evaluated.at(-1)!.maskedLoss50);
    expect(detail.maskedLoss50).toBe(progress.at(-1)!.maskedLoss50);
    expect(detail.maskedLoss50!).toBeGreaterThan(0);

    const rnn = await studio.startTraining(config({ family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 }));
    await drain(rnn);
    const rnnDetail = await studio.getRun(rnn.runId);
    expect(rnnDetail.unigramEntropy).toBeCloseTo(entropy, 12);
    expect(rnnDetail.maskedLoss50).toBeUndefined();
    expect(rnnDetail.metrics.some((m) => m.maskedLoss50 !== undefined)).toBe(false);
  });
});

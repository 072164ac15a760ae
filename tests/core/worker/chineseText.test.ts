import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unigramEntropy } from '../../../core/data/unigramEntropy.ts';
import { RaceOptions, SampleOptions } from '../../../core/generate/options.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';
import { TrainConfig, type TrainConfigInput } from '../../../core/train/config.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { chineseMarkovText, wellFormed } from '../../helpers/corpus.ts';

// A Chinese text of thousands of different characters, astral ones among them, through the
// whole path: loading, vocabulary, training, sampling (streamed token by token), the race.

const TEXT = chineseMarkovText(30_000);
const CHARS = new Set(TEXT);
const bytes = new TextEncoder().encode(TEXT);

async function drain(job: Job): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) out.push(e);
  return out;
}

function train(model: TrainConfigInput['model'], seq = 16): TrainConfig {
  return TrainConfig.parse({ model, data: { kind: 'upload', name: '诗.txt', bytes }, steps: 6, batch: 4, seq, evalEvery: 6, checkpointEvery: 6 });
}

/** Each streamed piece is one whole character of the text: never half a surrogate pair. */
function expectWholeCharacters(pieces: readonly string[]): void {
  for (const piece of pieces) {
    expect([...piece], JSON.stringify(piece)).toHaveLength(1);
    expect(CHARS.has(piece), JSON.stringify(piece)).toBe(true);
  }
}

describe('a Chinese text end to end', () => {
  it('an LSTM trains on it, its vocabulary is the text’s code points, and sampling streams whole characters of it', async () => {
    expect(CHARS.size).toBeGreaterThan(2900);
    expect([...CHARS].some((c) => c.codePointAt(0)! > 0xffff)).toBe(true);
    const studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-zh-')), progressIntervalMs: 0 });
    const job = await studio.startTraining(train({ family: 'rnn', cell: 'lstm', embedding: 16, hidden: 32, layers: 1 }));
    const events = await drain(job);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    const detail = await studio.getRun(job.runId);
    expect(detail.model).toMatchObject({ family: 'rnn', vocabSize: CHARS.size });
    expect(detail.unigramEntropy).toBeCloseTo(unigramEntropy(TEXT), 9);
    const last = events.filter((e) => e.kind === 'progress').at(-1);
    expect(last && last.kind === 'progress' && last.trainLoss).toBeLessThan(Math.log(CHARS.size) + 1);

    const sampled = await drain(await studio.sample(job.runId, SampleOptions.parse({ length: 300, seed: 3, prompt: '一𠀀', topP: 0.95 })));
    const tokens = sampled.flatMap((e) => (e.kind === 'token' ? [e] : []));
    expect(tokens).toHaveLength(300);
    expectWholeCharacters(tokens.map((t) => t.text));
    const done = sampled.at(-1);
    expect(done?.kind).toBe('done');
    const text = tokens.map((t) => t.text).join('');
    expect(wellFormed(text)).toBe(true);
    expect([...text]).toHaveLength(300);
    // Over the wire (web mode) a token event keeps its character whole.
    for (const t of tokens.slice(0, 50)) expect(decodeFrame(encodeFrame(t))).toEqual(t);
  });

  it('a Transformer and a NAR Transformer race on it, every lane writing characters of the text', async () => {
    const studio = new Studio({ home: mkdtempSync(join(tmpdir(), 'ars-zh-')), progressIntervalMs: 0 });
    const shape = { dModel: 16, heads: 2, layers: 1, ffn: 32, context: 24 };
    const ar = await studio.startTraining(train({ family: 'transformer', ...shape }, 24));
    await drain(ar);
    const nar = await studio.startTraining(train({ family: 'maskPredict', ...shape }, 24));
    await drain(nar);
    const events = await drain(await studio.race(ar.runId, nar.runId, RaceOptions.parse({ length: 16, iterations: 2, draft: 3, prompt: '𠀀', frontier: false })));
    const results = events.find((e) => e.kind === 'race-results');
    if (results?.kind !== 'race-results') throw new Error('no race results');
    expect(results.lanes).toHaveLength(5);
    for (const lane of results.lanes) {
      expect(lane.tokens, lane.lane).toBe(16);
      expect([...lane.text], lane.lane).toHaveLength(16);
      expectWholeCharacters([...lane.text]);
    }
    // The NAR lanes stream whole canvases: each slot is a whole character or still masked.
    for (const e of events) {
      if (e.kind === 'race-lane' && e.event.kind === 'pass') expectWholeCharacters(e.event.text.filter((s) => s !== ''));
    }
  });
});

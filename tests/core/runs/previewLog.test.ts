import { mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packBits, previewLine, readPreviewLine, unpackBits } from '../../../core/runs/previewLog.ts';
import { RunStore } from '../../../core/runs/runStore.ts';

const bits = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => ((i * 7 + seed) % 5 < 2 ? 1 : 0));

describe('the preview log', () => {
  it('packs image bits 8 to a byte and back, and keeps text as it is', () => {
    for (const n of [1, 7, 8, 9, 784, 3 * 784]) expect(unpackBits(packBits(bits(n, n)), n)).toEqual(bits(n, n));
    expect(packBits(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1]))).toEqual(Uint8Array.from([0x81, 0x80]));
    const images = bits(2 * 784, 3);
    expect(readPreviewLine(JSON.parse(JSON.stringify(previewLine({ step: 40, samples: 2, images }))))).toEqual({ step: 40, samples: 2, images });
    expect(readPreviewLine(JSON.parse(JSON.stringify(previewLine({ step: 10, text: 'Shall I\ncompare ✓' }))))).toEqual({ step: 10, text: 'Shall I\ncompare ✓' });
  });

  it('skips lines that are not previews', () => {
    for (const line of [null, 3, 'text', { text: 'no step' }, { step: 1.5, text: 'x' }, { step: 1 }, { step: 1, samples: 2, images: 'AAAA' }, { step: 1, samples: 1e9, images: '' }]) {
      expect(readPreviewLine(line), JSON.stringify(line)).toBeNull();
    }
  });

  it('a run keeps its previews in order, skips a torn line, and a resume from an earlier step drops the later ones', async () => {
    const store = new RunStore(mkdtempSync(join(tmpdir(), 'ars-previews-')));
    const run = await store.create({
      name: 'p',
      dataset: 'd',
      corpusText: 'abc',
      meta: { state: 'created', step: 0, totalSteps: 30, config: {}, model: { family: 'rnn', cell: 'lstm', vocabSize: 3, embedding: 4, hidden: 4, layers: 1 }, vocab: ['a', 'b', 'c'], backend: 'cpu', versions: {}, checkpointStep: null, lastTrainLoss: null, lastValLoss: null, pid: null, error: null },
    });
    expect(await run.readPreviews()).toEqual([]);
    for (const step of [10, 20]) await run.appendPreview({ step, text: `at ${step}` });
    await appendFile(join(run.dir, 'previews.jsonl'), '{"step":25,"te'); // a crash mid-line
    await appendFile(join(run.dir, 'previews.jsonl'), '\n');
    await run.appendPreview({ step: 30, samples: 1, images: bits(784, 1) });
    expect((await run.readPreviews()).map((p) => p.step)).toEqual([10, 20, 30]);
    expect((await run.readPreviews(2)).map((p) => p.step)).toEqual([20, 30]);
    await run.truncateMetricsAfter(20);
    expect(await run.readPreviews()).toEqual([{ step: 10, text: 'at 10' }, { step: 20, text: 'at 20' }]);
  });
});

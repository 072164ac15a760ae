import { beforeAll, describe, expect, it } from 'vitest';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';
import { generateDistillationText, type DistillationProgress } from '../../../core/generate/distillation.ts';
import { DISTILL_MAX_CHARACTERS, DISTILL_MIN_CHARACTERS, resolveDistillSettings } from '../../../core/generate/distillOptions.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { TransformerModel } from '../../../core/models/transformer.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const vocab = CharVocabulary.fromText('abcdefghij \n');
const transformer = new TransformerModel(
  { family: 'transformer', vocabSize: vocab.size, dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16, dropout: 0, tiedOutput: true },
  7,
);
const rnn = new RnnModel({ family: 'rnn', cell: 'gru', vocabSize: vocab.size, embedding: 8, hidden: 16, layers: 1 }, 4);

async function write(
  model: TransformerModel | RnnModel,
  settings: { seed: number; temperature: number; characters: number },
  /** Aborts once this many characters are written. */
  abortAt = Infinity,
): Promise<{ text: string | null; progress: DistillationProgress[] }> {
  const progress: DistillationProgress[] = [];
  const abort = new AbortController();
  const generation = generateDistillationText(model, vocab, settings, { signal: abort.signal, progressIntervalMs: 0 });
  for (;;) {
    const next = await generation.next();
    if (next.done) return { text: next.value.text, progress };
    progress.push(next.value);
    if (next.value.done >= abortAt) abort.abort();
  }
}

describe('distillation text', () => {
  it('is byte-identical for the same model, seed and settings, and differs with another seed', async () => {
    for (const model of [transformer, rnn]) {
      // Longer than the Transformer's context: its decoder slides the window.
      const a = await write(model, { seed: 5, temperature: 0.8, characters: 200 });
      const b = await write(model, { seed: 5, temperature: 0.8, characters: 200 });
      const c = await write(model, { seed: 6, temperature: 0.8, characters: 200 });
      expect([...a.text!]).toHaveLength(200);
      for (const ch of a.text!) expect(vocab.has(ch)).toBe(true);
      expect(Buffer.from(b.text!)).toEqual(Buffer.from(a.text!));
      expect(c.text).not.toBe(a.text);
      // A higher temperature is another text too.
      expect((await write(model, { seed: 5, temperature: 1.5, characters: 200 })).text).not.toBe(a.text);
    }
  });

  it('reports its progress up to the total', async () => {
    const { progress } = await write(transformer, { seed: 1, temperature: 1, characters: 120 });
    expect(progress[0]).toEqual({ kind: 'distill-progress', done: 0, total: 120 });
    expect(progress.at(-1)).toEqual({ kind: 'distill-progress', done: 120, total: 120 });
    const done = progress.map((p) => p.done);
    expect(done).toEqual([...done].sort((x, y) => x - y));
  });

  it('stops when its signal aborts, with no text', async () => {
    const { text, progress } = await write(transformer, { seed: 1, temperature: 1, characters: 5000 }, 50);
    expect(text).toBeNull();
    expect(progress.at(-1)!.done).toBeLessThan(5000);
  });

  it('refuses a model that does not write left to right', async () => {
    const nar = new MaskPredictModel({ family: 'maskPredict', vocabSize: vocab.size, dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16, dropout: 0, positions: 'learned', localContext: 0 }, 1);
    const generation = generateDistillationText(nar, vocab, { seed: 1, temperature: 1, characters: 10 });
    await expect(generation.next()).rejects.toThrow(/left to right/);
    nar.dispose();
  });

  it('defaults to the AR run’s amount of text, capped by what the run reads and a maximum, at temperature 0.3 and the new run’s seed', () => {
    expect(resolveDistillSettings('ar', {}, { seed: 3, arCharacters: 94_000 })).toEqual({ runId: 'ar', seed: 3, temperature: 0.3, characters: 94_000 });
    expect(resolveDistillSettings('ar', {}, { seed: 3, arCharacters: 5_000_000 }).characters).toBe(DISTILL_MAX_CHARACTERS);
    expect(resolveDistillSettings('ar', {}, { seed: 3, arCharacters: 10 }).characters).toBe(DISTILL_MIN_CHARACTERS);
    // No more than the new run reads in its training (steps × batch × sequence).
    expect(resolveDistillSettings('ar', {}, { seed: 3, arCharacters: 94_000, readCharacters: 12 * 32 * 64 }).characters).toBe(24_576);
    expect(resolveDistillSettings('ar', { seed: 9, temperature: 1, characters: 2000 }, { seed: 3, arCharacters: 94_000 })).toEqual({
      runId: 'ar',
      seed: 9,
      temperature: 1,
      characters: 2000,
    });
  });
});

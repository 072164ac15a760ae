import { beforeAll, describe, expect, it } from 'vitest';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';
import { generateAutoregressive, type GenerationEvent } from '../../../core/generate/autoregressive.ts';
import { SampleOptions } from '../../../core/generate/options.ts';
import { RnnModel } from '../../../core/models/rnn.ts';
import { DatasetError } from '../../../core/errors.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const vocab = CharVocabulary.fromText('abcdefghij \n');
const model = new RnnModel({ family: 'rnn', cell: 'gru', vocabSize: vocab.size, embedding: 8, hidden: 16, layers: 1 }, 4);

async function run(options: Partial<SampleOptions>, signal?: AbortSignal): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const e of generateAutoregressive(model, vocab, SampleOptions.parse(options), signal)) out.push(e);
  return out;
}

describe('autoregressive generation', () => {
  it('streams one token event per token, then done with the whole text', async () => {
    const events = await run({ length: 30, seed: 3 });
    const tokens = events.filter((e) => e.kind === 'token');
    expect(tokens).toHaveLength(30);
    expect(tokens.map((t) => t.index)).toEqual([...Array(30).keys()]);
    const done = events.at(-1)!;
    expect(done.kind === 'done' && done.text).toBe(tokens.map((t) => (t.kind === 'token' ? t.text : '')).join(''));
    for (const t of tokens) if (t.kind === 'token') expect(t.prob).toBeGreaterThan(0);
  });

  it('same seed, same text; another seed, another text', async () => {
    const text = (es: GenerationEvent[]) => (es.at(-1) as { text: string }).text;
    expect(text(await run({ length: 40, seed: 9 }))).toBe(text(await run({ length: 40, seed: 9 })));
    expect(text(await run({ length: 40, seed: 9 }))).not.toBe(text(await run({ length: 40, seed: 10 })));
  });

  it('conditions on the prompt', async () => {
    // Same seed: the draws may coincide, but the probabilities the model gives them may not.
    const probs = (es: GenerationEvent[]) => es.flatMap((e) => (e.kind === 'token' ? [e.prob] : []));
    expect(probs(await run({ length: 10, seed: 9, prompt: 'abc' }))).not.toEqual(probs(await run({ length: 10, seed: 9, prompt: 'jih' })));
    expect(probs(await run({ length: 10, seed: 9, prompt: 'abc' }))).toEqual(probs(await run({ length: 10, seed: 9, prompt: 'abc' })));
  });

  it('stops when asked', async () => {
    const abort = new AbortController();
    const out: GenerationEvent[] = [];
    for await (const e of generateAutoregressive(model, vocab, SampleOptions.parse({ length: 1000 }), abort.signal)) {
      out.push(e);
      if (out.length === 5) abort.abort();
    }
    expect(out.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled', tokens: 5 });
  });

  it('refuses a prompt with characters the model has never seen', async () => {
    await expect(run({ prompt: 'xyz' })).rejects.toBeInstanceOf(DatasetError);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';
import { generateAutoregressive } from '../../../core/generate/autoregressive.ts';
import { generateMaskPredict, remaskCount } from '../../../core/generate/maskPredictDecoding.ts';
import { RaceOptions, SampleOptions } from '../../../core/generate/options.ts';
import { distinctN, repetitionRate } from '../../../core/generate/quality.ts';
import { runRace, type RaceEvent } from '../../../core/generate/race.ts';
import { generateSpeculative } from '../../../core/generate/speculative.ts';
import type { TextGenerationEvent } from '../../../core/generate/textEvents.ts';
import { MaskPredictConfig, TransformerConfig } from '../../../core/models/config.ts';
import { MaskPredictModel } from '../../../core/models/maskPredict.ts';
import { TransformerModel } from '../../../core/models/transformer.ts';
import type { DecoderOptions } from '../../../core/models/textModel.ts';
import type { WindowedDecoder } from '../../../core/models/transformerDecoders.ts';
import { useAppBackend } from '../../helpers/backend.ts';

beforeAll(useAppBackend);

const vocab = CharVocabulary.fromText('abcdefghijklmnop \n');
const V = vocab.size;
const shape = { vocabSize: V, dModel: 16, heads: 2, layers: 1, ffn: 32, context: 16 };
const ar = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...shape }), 11);
const nar = new MaskPredictModel(MaskPredictConfig.parse({ family: 'maskPredict', ...shape }), 12);

async function collect(gen: AsyncGenerator<TextGenerationEvent>): Promise<TextGenerationEvent[]> {
  const out: TextGenerationEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}
const doneOf = (es: TextGenerationEvent[]) => es.at(-1) as Extract<TextGenerationEvent, { kind: 'done' }>;

describe('mask-predict', () => {
  it('returns exactly the requested length with no mask left, and T passes take T forward passes', async () => {
    for (const T of [1, 3, 5]) {
      const spy = vi.spyOn(nar, 'predictRows');
      const events = await collect(generateMaskPredict(nar, vocab, { ...SampleOptions.parse({ length: 12, seed: 2 }), iterations: T }));
      expect(spy).toHaveBeenCalledTimes(T);
      spy.mockRestore();
      const done = doneOf(events);
      expect(done.tokenIds).toHaveLength(12);
      expect(done.tokenIds.every((id) => id >= 0 && id < V)).toBe(true);
      expect(done.steps).toBe(T);
      const passes = events.filter((e) => e.kind === 'pass');
      expect(passes).toHaveLength(T);
      // Pass t re-predicts n·(T−t)/T slots.
      passes.slice(1).forEach((p, i) => p.kind === 'pass' && expect(p.predicted).toHaveLength(remaskCount(12, i + 1, T)));
    }
  });

  it('makes texts longer than its context block by block', async () => {
    const done = doneOf(await collect(generateMaskPredict(nar, vocab, { ...SampleOptions.parse({ length: 40, seed: 3, prompt: 'abc' }), iterations: 2 })));
    expect(done.tokens).toBe(40);
    expect(done.steps).toBeGreaterThan(2);
  });

  it('is reproducible for a seed when sampling', async () => {
    const run = async () => doneOf(await collect(generateMaskPredict(nar, vocab, { ...SampleOptions.parse({ length: 12, seed: 7, temperature: 1 }), iterations: 3 }))).text;
    expect(await run()).toBe(await run());
  });
});

describe('speculative decoding', () => {
  it('with greedy sampling reproduces the AR greedy output exactly', async () => {
    for (const draft of [1, 3, 6]) {
      const opts = { ...SampleOptions.parse({ length: 40, temperature: 0, prompt: 'ab' }), draft };
      const greedy = doneOf(await collect(generateAutoregressive(ar, vocab, opts))).text;
      const spec = doneOf(await collect(generateSpeculative(ar, nar, vocab, opts)));
      expect(spec.text).toBe(greedy);
      expect(spec.tokens).toBe(40);
    }
  });

  it('with sampling and a fixed seed is reproducible', async () => {
    const opts = { ...SampleOptions.parse({ length: 30, temperature: 1, seed: 5 }), draft: 4 };
    const a = doneOf(await collect(generateSpeculative(ar, nar, vocab, opts)));
    const b = doneOf(await collect(generateSpeculative(ar, nar, vocab, opts)));
    expect(a.text).toBe(b.text);
    expect(a.tokens).toBe(30);
  });

  it('keeps the AR model’s distribution: the first token’s frequencies match p', async () => {
    // With a one-token prompt and draft 1, token 1 is either the accepted draft or the correction.
    const p = tf.tidy(() => tf.softmax(ar.logits(tf.tensor2d([[vocab.encode('\n')[0]!, 0]], [1, 2], 'int32'))).arraySync()[0]![1]!);
    const counts = new Array<number>(V).fill(0);
    const n = 600;
    for (let seed = 0; seed < n; seed++) {
      const done = doneOf(await collect(generateSpeculative(ar, nar, vocab, { ...SampleOptions.parse({ length: 2, temperature: 1, seed, prompt: 'a' }), draft: 1 })));
      counts[done.tokenIds[0]!]!++;
    }
    const tv = counts.reduce((acc, c, v) => acc + Math.abs(c / n - p[v]!), 0) / 2;
    expect(tv).toBeLessThan(0.12);
  });
});

describe('speculative decoding with a small AR drafter', () => {
  const drafter = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...shape, dModel: 8, heads: 1, ffn: 16 }), 13);
  const done = async (gen: AsyncGenerator<TextGenerationEvent>) => {
    const events = await collect(gen);
    return { events, done: doneOf(events), drafts: events.filter((e) => e.kind === 'draft') };
  };

  it('with greedy sampling reproduces the AR greedy output exactly (another AR model drafting, and the AR model itself)', async () => {
    for (const draft of [1, 3, 6]) {
      const opts = { ...SampleOptions.parse({ length: 40, temperature: 0, prompt: 'ab' }), draft };
      const greedy = doneOf(await collect(generateAutoregressive(ar, vocab, opts))).text;
      for (const d of [drafter, ar]) {
        const spec = doneOf(await collect(generateSpeculative(ar, d, vocab, opts)));
        expect(spec.text).toBe(greedy);
        expect(spec.tokens).toBe(40);
      }
    }
  });

  it('counts its passes: steps = AR passes + drafter passes, k drafter passes a round for an AR drafter, one for a NAR drafter', async () => {
    const opts = { ...SampleOptions.parse({ length: 30, temperature: 1, seed: 3 }), draft: 4 };
    for (const d of [drafter, nar]) {
      const r = await done(generateSpeculative(ar, d, vocab, opts));
      const proposed = r.drafts.reduce((a, e) => a + (e.kind === 'draft' ? e.proposed : 0), 0);
      const accepted = r.drafts.reduce((a, e) => a + (e.kind === 'draft' ? e.accepted : 0), 0);
      expect(r.done.arPasses! + r.done.drafterPasses!).toBe(r.done.steps);
      expect(r.done.drafterPasses).toBe(d === nar ? r.drafts.length : proposed);
      // One AR pass a round, and one alone where the AR model's window slides or a single token is left.
      expect(r.done.arPasses! - r.drafts.length).toBeGreaterThanOrEqual(0);
      // Each AR pass gains one AR token, each round its accepted drafts too.
      expect(r.done.tokens).toBe(accepted + r.done.arPasses!);
    }
    // The AR model drafting for itself is always right: every AR pass gains k + 1 tokens.
    const self = await done(generateSpeculative(ar, ar, vocab, { ...opts, temperature: 0, length: 11, draft: 4 }));
    expect(self.drafts.every((e) => e.kind === 'draft' && e.accepted === e.proposed)).toBe(true);
    expect(self.done.arPasses).toBe(3); // 2 rounds of 5 tokens, then the last one alone (12 ≤ context: no slide)
  });

  it('never verifies across a slide of the AR model’s window: its cache is rebuilt as often as in AR decoding', async () => {
    const counting = () => {
      let prefills = 0;
      const model = {
        config: ar.config,
        createDecoder: (o?: DecoderOptions) => {
          const d = ar.createDecoder(o) as WindowedDecoder;
          const prefill = d.forward.prefill.bind(d.forward);
          d.forward.prefill = (window) => {
            prefills++;
            return prefill(window);
          };
          return d;
        },
      };
      return { model, prefills: () => prefills };
    };
    // Sampling, so that drafts are rejected (the untrained models agree on every greedy token);
    // AR decoding rebuilds at the same lengths whatever it writes.
    const opts = { ...SampleOptions.parse({ length: 70, temperature: 1, seed: 5, prompt: 'ab' }), draft: 1 };
    const plain = counting();
    await collect(generateAutoregressive(plain.model, vocab, opts, undefined, { cache: true }));
    expect(plain.prefills()).toBeGreaterThan(3); // 73 tokens through a context of 16: the window slides
    let rejections = 0;
    for (const [d, draft] of [drafter, nar].flatMap((d) => [1, 2, 3, 5].map((k) => [d, k] as const))) {
      const target = counting();
      const spec = await done(generateSpeculative(target.model, d, vocab, { ...opts, draft }));
      rejections += spec.drafts.filter((e) => e.kind === 'draft' && e.accepted < e.proposed).length;
      expect(spec.done.tokens).toBe(70);
      expect(target.prefills(), `k = ${draft}`).toBe(plain.prefills());
    }
    expect(rejections).toBeGreaterThan(10);
  });

  it('keeps the AR model’s distribution with an AR drafter: the first token’s frequencies match p', async () => {
    const p = tf.tidy(() => tf.softmax(ar.logits(tf.tensor2d([[vocab.encode('\n')[0]!, 0]], [1, 2], 'int32'))).arraySync()[0]![1]!);
    const counts = new Array<number>(V).fill(0);
    const n = 600;
    for (let seed = 0; seed < n; seed++) {
      const d = doneOf(await collect(generateSpeculative(ar, drafter, vocab, { ...SampleOptions.parse({ length: 2, temperature: 1, seed, prompt: 'a' }), draft: 1 })));
      counts[d.tokenIds[0]!]!++;
    }
    const tv = counts.reduce((acc, c, v) => acc + Math.abs(c / n - p[v]!), 0) / 2;
    expect(tv).toBeLessThan(0.12);
  });

  it('refuses a drafter with another vocabulary', async () => {
    const other = new TransformerModel(TransformerConfig.parse({ family: 'transformer', ...shape, vocabSize: V + 1 }), 14);
    await expect(collect(generateSpeculative(ar, other, vocab, { ...SampleOptions.parse({ length: 4 }), draft: 2 }))).rejects.toThrow(/share one vocabulary/);
    other.dispose();
  });
});

describe('quality metrics', () => {
  it('repetition and distinct-n', () => {
    expect(repetitionRate([1, 1, 2, 2])).toBeCloseTo(2 / 3);
    expect(distinctN([1, 2, 1, 2], 1)).toBe(0.5);
    expect(distinctN([1, 2, 1, 2], 2)).toBeCloseTo(2 / 3);
  });
});

describe('race', () => {
  it('runs every lane to the requested length and scores them on the same footing', async () => {
    const events: RaceEvent[] = [];
    for await (const e of runRace({ ar, nar }, vocab, RaceOptions.parse({ length: 12, seed: 1, iterations: 3, draft: 4, temperature: 0 }))) events.push(e);
    const results = (events.at(-1) as Extract<RaceEvent, { kind: 'results' }>).lanes;
    expect(results.map((r) => r.lane)).toEqual(['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid']);
    for (const r of results) {
      expect(r.tokens).toBe(12);
      expect(r.nll).toBeGreaterThan(0);
      expect(r.perplexity).toBeCloseTo(Math.exp(r.nll));
    }
    const byLane = Object.fromEntries(results.map((r) => [r.lane, r]));
    // Greedy AR lanes agree with each other and with the hybrid; NAR takes far fewer steps.
    expect(byLane['ar-cache']!.text).toBe(byLane['ar-naive']!.text);
    expect(byLane['hybrid']!.text).toBe(byLane['ar-cache']!.text);
    expect(byLane['nar-1']!.steps).toBe(1);
    expect(byLane['nar-k']!.steps).toBe(3);
    expect(byLane['ar-cache']!.steps).toBe(12);
    expect(new Set(results.map((r) => r.finishOrder))).toEqual(new Set([1, 2, 3, 4, 5]));
  });
});

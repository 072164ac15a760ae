import { MaskPredictModel } from '../models/maskPredict.ts';
import type { DecoderOptions, SpeculativeDecoder } from '../models/textModel.ts';
import type { Rng } from '../rng.ts';
import { argmax, drawFrom } from './samplers.ts';

/** A model that can decode left to right, check several tokens in one pass and roll back. */
export interface ArModel {
  readonly config: { readonly vocabSize: number };
  createDecoder(options?: DecoderOptions): SpeculativeDecoder;
}

/** What drafts for speculative decoding: a NAR (mask-predict) model or a (small) AR model. */
export type DraftModel = MaskPredictModel | ArModel;

/** How a draft token is chosen from its row of logits: the sampling distribution q, and greedy or drawn. */
export interface DraftSampling {
  dist(logits: ArrayLike<number>): Float64Array;
  greedy: boolean;
  rng: Rng;
}

/** k proposed tokens, the distribution q each was drawn from (empty when greedy: not needed), and the sequential passes it took. */
export interface Draft {
  ids: number[];
  q: Float64Array[];
  passes: number;
}

const NO_Q = new Float64Array(0);

/** Proposes the next k tokens after a history; owns whatever state it keeps (dispose when done). */
export interface Drafter {
  draft(history: readonly number[], k: number, sampling: DraftSampling): Draft;
  dispose(): void;
}

function pick(row: ArrayLike<number>, s: DraftSampling): { id: number; q: Float64Array } {
  if (s.greedy) return { id: argmax(row), q: NO_Q };
  const q = s.dist(row);
  return { id: drawFrom(q, s.rng), q };
}

/** The NAR model drafts k masked slots after the history in one parallel pass. */
export class NarDrafter implements Drafter {
  constructor(private readonly model: MaskPredictModel) {}

  draft(history: readonly number[], k: number, s: DraftSampling): Draft {
    const nar = this.model;
    const prefix = history.slice(Math.max(0, history.length - (nar.config.context - k)));
    const ids = [...prefix, ...Array<number>(k).fill(nar.maskId)];
    const rows = nar.predictRows(ids, Array.from({ length: k }, (_, i) => prefix.length + i));
    const out: Draft = { ids: [], q: [], passes: 1 };
    for (const row of rows) {
      const { id, q } = pick(row, s);
      out.ids.push(id);
      out.q.push(q);
    }
    return out;
  }

  dispose(): void {}
}

/**
 * A (small) AR model drafts k tokens one after another with its own KV cache: k sequential
 * passes (the first also feeds what the history gained since the last round). Between rounds it
 * rolls its cache back to the longest prefix it shares with the history.
 */
export class ArDrafter implements Drafter {
  private readonly decoder: SpeculativeDecoder;
  /** The tokens the decoder has consumed, in order. */
  private readonly fed: number[] = [];

  constructor(model: ArModel) {
    this.decoder = model.createDecoder({ cache: true });
  }

  draft(history: readonly number[], k: number, s: DraftSampling): Draft {
    let shared = 0;
    while (shared < this.fed.length && shared < history.length && this.fed[shared] === history[shared]) shared++;
    // Keep one token to feed, so this pass gives the logits for the first draft.
    if (shared === history.length) shared--;
    this.decoder.truncate(shared);
    this.fed.length = shared;
    const fresh = history.slice(shared);
    let row = this.decoder.feedMany(fresh).at(-1)!;
    this.fed.push(...fresh);
    const out: Draft = { ids: [], q: [], passes: 1 };
    for (let i = 0; i < k; i++) {
      const { id, q } = pick(row, s);
      out.ids.push(id);
      out.q.push(q);
      if (i + 1 < k) {
        row = this.decoder.feed(id);
        this.fed.push(id);
        out.passes++;
      }
    }
    return out;
  }

  dispose(): void {
    this.decoder.dispose();
  }
}

/** The drafter for `model`. */
export function createDrafter(model: DraftModel): Drafter {
  return model instanceof MaskPredictModel ? new NarDrafter(model) : new ArDrafter(model);
}

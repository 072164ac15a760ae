import * as tf from '@tensorflow/tfjs';
import type { MaskedImageModel } from '../models/maskedImage.ts';
import { createRng } from '../rng.ts';
import { nextTurn, type Breather } from './breathing.ts';
import { choiceNoiseAfter, choiceRank, choiceStream } from './choiceNoise.ts';
import { DEFAULT_CHOICE_NOISE, type KnownPixels } from './pixelcnnOptions.ts';

/**
 * Mask-predict completion over pixels (Ghazvininejad et al. 2019; MaskGIT's cosine schedule,
 * Chang et al. 2022), K images at once, with the masked image model.
 *
 * Of the N unknown pixels (every pixel when nothing is known): pass 1 predicts all of them, each
 * bit drawn from its Bernoulli; after pass t of T, the ⌊N·cos(π/2·t/T)⌋ lowest ranked of the N
 * are masked again, and pass t + 1 predicts them again, seeing every other pixel as known. A
 * pixel's rank is its log confidence (the probability of the bit drawn, from the pass that last
 * drew it) plus choice noise (MaskGIT's: noise·(1 − t/T) times a Gumbel draw; none with
 * `choiceNoise: 0`, then ties go to the lower raster index). After pass T none are left. Known
 * pixels are never touched.
 *
 * Events: one `pass` per pass (T in all, none when nothing is unknown), then `done`. Same seed,
 * same images: the bits' draws are one uniform per masked pixel and sample, in pass, sample,
 * raster order; the choice noise has its own stream from the same seed.
 */
export type MaskedImageEvent =
  | {
      kind: 'pass';
      /** 1-based. */
      pass: number;
      passes: number;
      /** Pixels predicted in this pass (per sample). */
      predicted: number;
      /** Pixels masked again for the next pass (per sample): ⌊N·cos(π/2·pass/passes)⌋. */
      remasked: number;
      /** K × side² bits: known pixels, and the latest draw everywhere else (masked-again ones included). */
      images: Uint8Array;
      /** K × side²: 1 where a pixel is masked again for the next pass. */
      masked: Uint8Array;
      /** K × side²: p(1) each unknown pixel was last drawn from (after temperature); NaN at known pixels. */
      probs: Float32Array;
    }
  | {
      kind: 'done';
      reason: 'completed' | 'cancelled';
      /** K × side² bits, sample-major. A cancelled run's masked pixels hold their latest draw (0 if none). */
      images: Uint8Array;
      /** −Σ log p of the final bits of the unknown pixels, each from the pass that drew it (per sample). */
      sampledNll: number[];
      /** Unknown pixels (per sample). */
      pixels: number;
      passes: number;
      elapsedMs: number;
      msPerPass: number;
    };

export interface MaskedImageSamplingRequest {
  /** K, images drawn side by side. */
  samples: number;
  seed: number;
  /** T, the number of passes. */
  passes: number;
  /** Default 1. Divides the logits before the sigmoid. */
  temperature?: number;
  /**
   * MaskGIT's choice temperature (default DEFAULT_CHOICE_NOISE; 0: by confidence alone): after
   * pass t, pixels are ranked for masking again by log confidence + noise·(1 − t/T)·Gumbel, so
   * early passes commit pixels spread over the image, not only the surest (background) ones.
   */
  choiceNoise?: number;
  /** Known pixels shared by all K samples; none: unconditional sampling. */
  known?: KnownPixels;
  /** Image side (default 28). */
  side?: number;
  signal?: AbortSignal;
  /** How the event loop gets its turns between passes (default: a turn after every pass). */
  breathe?: Breather;
}

/** Unknown pixels still masked after pass `t` of `T`, out of N: ⌊N·cos(π/2·t/T)⌋ (0 after the last). */
export function maskedAfterPass(N: number, t: number, T: number): number {
  if (t >= T) return 0;
  return Math.floor(N * Math.cos((Math.PI / 2) * (t / T)));
}

/** Mask-predict completion, streamed as one event per pass; stops when `signal` aborts. */
export async function* sampleMaskedImage(model: Pick<MaskedImageModel, 'logits'>, request: MaskedImageSamplingRequest): AsyncGenerator<MaskedImageEvent> {
  const side = request.side ?? 28;
  const P = side * side;
  const K = request.samples;
  const T = request.passes;
  const temperature = request.temperature ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`samples must be a positive integer, got ${K}`);
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`passes must be a positive integer, got ${T}`);
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  const known = request.known;
  if (known && (known.values.length !== P || known.mask.length !== P)) {
    throw new RangeError(`known pixels must hold ${P} values and ${P} mask entries (a ${side}×${side} image)`);
  }
  const rng = createRng(request.seed);
  const breathe = request.breathe ?? nextTurn;
  const choiceNoise = request.choiceNoise ?? DEFAULT_CHOICE_NOISE;
  if (!(choiceNoise >= 0)) throw new RangeError(`choiceNoise must be at least 0, got ${choiceNoise}`);
  const choiceRng = choiceStream(request.seed);
  const unknown: number[] = [];
  const x = new Float32Array(K * P);
  /** Model input: 1 where a pixel is known or already drawn and not masked again. */
  const given = new Float32Array(K * P);
  for (let i = 0; i < P; i++) {
    if (known && known.mask[i]) {
      const v = known.values[i] ? 1 : 0;
      for (let k = 0; k < K; k++) {
        x[k * P + i] = v;
        given[k * P + i] = 1;
      }
    } else unknown.push(i);
  }
  const N = unknown.length;
  const probs = new Float32Array(K * P).fill(NaN);
  const confidence = new Float64Array(K * N);
  /** What pixels are ranked by for masking again: log confidence, plus the choice noise. */
  const rank = new Float64Array(K * N);
  const drawnNll = new Float64Array(K * N);
  const masked = new Uint8Array(K * P);
  for (let k = 0; k < K; k++) for (const i of unknown) masked[k * P + i] = 1;
  const started = performance.now();
  let reason: 'completed' | 'cancelled' = 'completed';
  let passesDone = 0;
  let toPredict = N;
  for (let t = 1; t <= T && N > 0; t++) {
    if (request.signal?.aborted) {
      reason = 'cancelled';
      break;
    }
    const z = await readAndDispose(tf.tidy(() => model.logits(tf.tensor4d(x, [K, side, side, 1]), tf.tensor4d(given, [K, side, side, 1]))));
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < N; j++) {
        const i = k * P + unknown[j]!;
        if (!masked[i]) continue;
        const p = 1 / (1 + Math.exp(-z[i]! / temperature));
        const bit = rng.next() < p ? 1 : 0;
        x[i] = bit;
        probs[i] = p;
        confidence[k * N + j] = bit ? p : 1 - p;
        drawnNll[k * N + j] = -Math.log(bit ? p : 1 - p);
      }
    }
    const predicted = toPredict;
    toPredict = maskedAfterPass(N, t, T);
    // The lowest ranked `toPredict` of each sample's N unknown pixels are masked again.
    const scale = choiceNoiseAfter(choiceNoise, t, T);
    for (let i = 0; i < K * N; i++) rank[i] = choiceRank(confidence[i]!, scale, choiceRng);
    const order = unknown.map((_, j) => j);
    for (let k = 0; k < K; k++) {
      order.sort((a, b) => rank[k * N + a]! - rank[k * N + b]! || a - b);
      for (let r = 0; r < N; r++) {
        const i = k * P + unknown[order[r]!]!;
        const again = r < toPredict;
        masked[i] = again ? 1 : 0;
        given[i] = again ? 0 : 1;
      }
    }
    passesDone = t;
    yield {
      kind: 'pass',
      pass: t,
      passes: T,
      predicted,
      remasked: toPredict,
      images: Uint8Array.from(x),
      masked: Uint8Array.from(masked),
      probs: Float32Array.from(probs),
    };
    // Let the event loop breathe (cancel requests, other clients) between passes.
    await breathe();
  }
  const sampledNll: number[] = [];
  for (let k = 0; k < K; k++) {
    let total = 0;
    for (let j = 0; j < N; j++) total += drawnNll[k * N + j]!;
    sampledNll.push(total);
  }
  const elapsedMs = performance.now() - started;
  yield {
    kind: 'done',
    reason,
    images: Uint8Array.from(x),
    sampledNll,
    pixels: N,
    passes: passesDone,
    elapsedMs,
    msPerPass: passesDone ? elapsedMs / passesDone : 0,
  };
}

/** A tensor's values, read asynchronously (GPU backends have no synchronous reads); the tensor is disposed. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

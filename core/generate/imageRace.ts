import * as tf from '@tensorflow/tfjs';
import { IMAGE_RACE_LANE_IDS, imageLaneLabel, type ImageRaceLaneId } from './imageRaceOptions.ts';
import type { MaskedImageModel } from '../models/maskedImage.ts';
import type { PixelCnnModel } from '../models/pixelcnn.ts';
import { createBreather, noBreathing } from './breathing.ts';
import { sampleMaskedImage } from './maskedImageSampling.ts';
import type { KnownPixels } from './pixelcnnOptions.ts';
import { samplePixelCnn } from './pixelcnnSampling.ts';

/**
 * The image race: the same known pixels completed K ways by the PixelCNN (raster order, the
 * fast path the Image lab's completion uses) and by the masked image model with mask-predict in
 * one pass (T = 1) and in T passes. Every lane is warmed up before any clock starts, runs on its
 * own (one after the other) and is timed on its own: only the time spent computing, not the time
 * the caller takes with its frames. Every completion is then scored on the same footing: its
 * −log p(image) under the PixelCNN, in nats per image (every pixel, known ones included).
 */
export const IMAGE_RACE_LANES = IMAGE_RACE_LANE_IDS;
export type ImageRaceLane = ImageRaceLaneId;

export interface ImageRaceRequest {
  /** K completions per lane. */
  samples: number;
  /** T of the mask-predict lane. */
  iterations: number;
  seed: number;
  /** Default 1; every lane samples at it. */
  temperature?: number;
  /** The mask-predict lane's choice noise (default DEFAULT_CHOICE_NOISE; see maskedImageSampling.ts). */
  choiceNoise?: number;
  known: KnownPixels;
  /** The lanes to run, in order (default all three). */
  lanes?: readonly ImageRaceLane[];
  /** PixelCNN pixels drawn in its warm-up (default 28: one row). */
  warmupPixels?: number;
  signal?: AbortSignal;
}

export interface ImageRaceLaneResult {
  lane: ImageRaceLane;
  label: string;
  /** Sequential model passes: one a pixel for the PixelCNN, one a mask-predict pass for the masked model. */
  passes: number;
  /** Time this lane computed (warm-up excluded, the consumer's time with its frames excluded). */
  wallMs: number;
  /** −log p(completion) under the PixelCNN, nats per image, averaged over the K samples. */
  nll: number;
  /** The same for each sample. */
  nlls: number[];
  /** K × side² bits. */
  images: Uint8Array;
  cancelled: boolean;
}

export type ImageRaceEvent =
  | {
      kind: 'frame';
      lane: ImageRaceLane;
      /** K × side² bits: the known pixels and every pixel drawn so far (latest draw). */
      images: Uint8Array;
      /** K × side²: 1 where a pixel is not final yet (below the PixelCNN's raster front; masked again). */
      pending: Uint8Array;
      /** Sequential passes so far. */
      passes: number;
      laneMs: number;
    }
  | { kind: 'lane'; result: ImageRaceLaneResult }
  | { kind: 'done'; reason: 'completed' | 'cancelled'; lanes: ImageRaceLaneResult[] };

export type RacePixelCnn = Pick<PixelCnnModel, 'inference' | 'config' | 'logits'>;
type RaceMasked = Pick<MaskedImageModel, 'logits'>;

/** −log p(x) under the PixelCNN for each of `count` images (count × side² bits), every pixel counted. */
export async function pixelCnnImageNll(model: Pick<PixelCnnModel, 'logits'>, images: Uint8Array, count: number, side = 28): Promise<number[]> {
  const P = side * side;
  const sums = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(images.subarray(0, count * P)), [count, side, side, 1]);
    const z = model.logits(x);
    const elements = tf.add(tf.sub(tf.relu(z), tf.mul(z, x)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.sum(elements, [1, 2, 3]);
  });
  try {
    return Array.from(await sums.data());
  } finally {
    sums.dispose();
  }
}

/** A stopwatch that only runs between `start` and `stop` (so time spent at a `yield` is not counted). */
class LaneClock {
  private total = 0;
  private since: number | null = null;
  start(): void {
    this.since = performance.now();
  }
  stop(): void {
    if (this.since !== null) this.total += performance.now() - this.since;
    this.since = null;
  }
  get ms(): number {
    return this.total + (this.since === null ? 0 : performance.now() - this.since);
  }
}

/** Runs every model a lane uses once, briefly, so the lanes' clocks do not measure kernel set-up. */
async function warmUp(pixelCnn: RacePixelCnn, masked: RaceMasked, request: ImageRaceRequest, lanes: readonly ImageRaceLane[]): Promise<void> {
  const known = request.known;
  if (lanes.includes('pixelcnn')) {
    const controller = new AbortController();
    let pixels = 0;
    // (score: false, as the lane runs it; the scoring pass is warmed up below)
    for await (const e of samplePixelCnn(pixelCnn, { samples: request.samples, seed: request.seed, method: 'fast', known, signal: controller.signal, score: false })) {
      if (e.kind === 'pixel' && ++pixels >= (request.warmupPixels ?? 28)) controller.abort();
    }
  }
  if (lanes.includes('nar-t1') || lanes.includes('nar-tk')) {
    for await (const e of sampleMaskedImage(masked, { samples: request.samples, seed: request.seed, passes: 1, known })) void e;
  }
  await pixelCnnImageNll(pixelCnn, new Uint8Array(request.samples * known.mask.length), request.samples, Math.round(Math.sqrt(known.mask.length)));
}

/** The race, lane after lane: frames as each lane draws, each lane's result as it ends, then all results. */
export async function* raceImages(pixelCnn: RacePixelCnn, masked: RaceMasked, request: ImageRaceRequest): AsyncGenerator<ImageRaceEvent> {
  const K = request.samples;
  const T = request.iterations;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`samples must be a positive integer, got ${K}`);
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`iterations must be a positive integer, got ${T}`);
  const P = request.known.mask.length;
  const side = Math.round(Math.sqrt(P));
  if (side * side !== P || request.known.values.length !== P) throw new RangeError('known pixels must cover a square image');
  const lanes = request.lanes ?? IMAGE_RACE_LANES;
  const signal = request.signal;
  const temperature = request.temperature ?? 1;
  await warmUp(pixelCnn, masked, request, lanes);
  const results: ImageRaceLaneResult[] = [];
  for (const lane of lanes) {
    if (signal?.aborted) break;
    const clock = new LaneClock();
    let images: Uint8Array = new Uint8Array(K * P);
    let passes = 0;
    let cancelled = false;
    // A lane's clock runs only while its generator works: the race's own bookkeeping, the frames
    // it hands on and the event loop's turns (between steps) are off the clock.
    const breathe = createBreather();
    clock.start();
    if (lane === 'pixelcnn') {
      // The raster front: every pixel from the first unknown one on is pending until drawn.
      const current = new Uint8Array(K * P);
      const pending = new Uint8Array(K * P);
      for (let i = 0; i < P; i++) {
        for (let k = 0; k < K; k++) {
          current[k * P + i] = request.known.mask[i] ? (request.known.values[i] ? 1 : 0) : 0;
          pending[k * P + i] = request.known.mask[i] ? 0 : 1;
        }
      }
      for await (const e of samplePixelCnn(pixelCnn, { samples: K, seed: request.seed, method: 'fast', temperature, known: request.known, signal, breathe: noBreathing, score: false })) {
        clock.stop();
        if (e.kind === 'pixel') {
          for (let k = 0; k < K; k++) {
            current[k * P + e.index] = e.values[k]!;
            pending[k * P + e.index] = 0;
          }
          passes++;
        } else if (e.kind === 'probabilities') {
          yield { kind: 'frame', lane, images: Uint8Array.from(current), pending: Uint8Array.from(pending), passes, laneMs: clock.ms };
        } else {
          images = e.images;
          passes = e.pixels;
          cancelled = e.reason === 'cancelled';
        }
        await breathe();
        clock.start();
      }
    } else {
      const passesWanted = lane === 'nar-t1' ? 1 : T;
      for await (const e of sampleMaskedImage(masked, { samples: K, seed: request.seed, passes: passesWanted, temperature, choiceNoise: request.choiceNoise, known: request.known, signal, breathe: noBreathing })) {
        clock.stop();
        if (e.kind === 'pass') {
          passes = e.pass;
          yield { kind: 'frame', lane, images: e.images, pending: e.masked, passes, laneMs: clock.ms };
        } else {
          images = e.images;
          passes = e.passes;
          cancelled = e.reason === 'cancelled';
        }
        await breathe();
        clock.start();
      }
    }
    clock.stop();
    const nlls = await pixelCnnImageNll(pixelCnn, images, K, side);
    const result: ImageRaceLaneResult = {
      lane,
      label: imageLaneLabel(lane, T),
      passes,
      wallMs: clock.ms,
      nll: nlls.reduce((a, b) => a + b, 0) / K,
      nlls,
      images,
      cancelled,
    };
    results.push(result);
    yield { kind: 'lane', result };
    if (cancelled) break;
  }
  yield { kind: 'done', reason: signal?.aborted ? 'cancelled' : 'completed', lanes: results };
}

/** Known pixels that keep the top `rows` rows of an image (side² bits) and leave the rest unknown. */
export function topRowsKnown(image: Uint8Array, rows: number, side = 28): KnownPixels {
  const P = side * side;
  if (image.length !== P) throw new RangeError(`expected a ${side}×${side} image`);
  const mask = new Uint8Array(P);
  mask.fill(1, 0, Math.max(0, Math.min(side, rows)) * side);
  const values = new Uint8Array(P);
  for (let i = 0; i < P; i++) values[i] = mask[i] ? image[i]! : 0;
  return { values, mask };
}

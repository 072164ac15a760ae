import * as tf from '@tensorflow/tfjs';
import { pixelCnnReach, type PixelCnnInference, type PixelCnnModel } from '../models/pixelcnn.ts';
import { createRng } from '../rng.ts';
import { createBreather, type Breather } from './breathing.ts';
import type { KnownPixels, PixelSamplingMethod } from './pixelcnnOptions.ts';

/**
 * Raster-order PixelCNN sampling of K images at once, and completion (only the unknown pixels
 * are drawn, each conditioned on every pixel before it; known pixels never change).
 *
 * Events, in order:
 * - `pixel` for every unknown pixel (raster order): the bit drawn and p(1) for each of the K samples;
 * - `probabilities` after the last unknown pixel of each row: a K × side² map holding p(1) as drawn
 *   for every pixel sampled so far and NaN elsewhere (known pixels, pixels not reached yet);
 * - `done` once: the images, and each one's NLL under the model.
 *
 * Same seed, same pixels, whatever the method: the draws are K uniforms per unknown pixel in
 * raster order, and every method computes the same logits (on wasm and cpu bit for bit, which
 * the tests check; elsewhere a draw within `tieTolerance` of its probability is re-decided with
 * the naive logits).
 */
export type PixelCnnEvent =
  | {
      kind: 'pixel';
      /** Raster index row · side + col. */
      index: number;
      row: number;
      col: number;
      /** The bit drawn for each sample (K). */
      values: Uint8Array;
      /** p(pixel = 1 | pixels before it) each sample drew from (K, after temperature). */
      probs: Float32Array;
    }
  | { kind: 'probabilities'; row: number; map: Float32Array }
  | {
      kind: 'done';
      reason: 'completed' | 'cancelled';
      method: PixelSamplingMethod;
      /** K × side² bits, sample-major. Unknown pixels not reached (cancelled) are 0. */
      images: Uint8Array;
      /** −log p(image) in nats for each sample: every pixel, known ones included (temperature 1); empty when not scored (`score: false`). */
      nll: number[];
      /** The same in bits per pixel (empty when not scored). */
      bitsPerDim: number[];
      /** −Σ log p over the pixels drawn, with the probabilities they were drawn from. */
      sampledNll: number[];
      /** Unknown pixels drawn (per sample). */
      pixels: number;
      elapsedMs: number;
      msPerPixel: number;
    };

export interface PixelSamplingRequest {
  /** K, images drawn side by side. */
  samples: number;
  seed: number;
  method: PixelSamplingMethod;
  /** Default 1. */
  temperature?: number;
  /** Known pixels shared by all K samples; none: unconditional sampling. */
  known?: KnownPixels;
  /** Image side (default 28). */
  side?: number;
  signal?: AbortSignal;
  /**
   * Draws with |u − p| below this are re-decided with the naive logits, so that methods agree
   * even where a backend's convolutions round differently by shape. Default: 0 on wasm and cpu
   * (identical there), 1e-3 elsewhere.
   */
  tieTolerance?: number;
  /** How the event loop gets its turns between pixels (default: at least every ~15 ms). */
  breathe?: Breather;
  /**
   * Whether to score the finished images (`nll`, `bitsPerDim` in the done event; default true).
   * The image race scores every lane itself, off its clocks, and asks for no second pass.
   */
  score?: boolean;
}

/** The most memory the 'fast' method's activation cache may take (the benchmark shape at K = 16 takes 19 MiB). */
const MAX_CACHE_BYTES = 512 * 1024 * 1024;

/**
 * Computes the logits of pixel `q` for all K images, given every pixel before `q` final in `x`.
 * Results are read asynchronously: GPU backends (webgpu in Node) have no synchronous reads.
 */
interface LogitEngine {
  logitsAt(q: number): Promise<Float32Array>;
  dispose(): void;
}

/** A tensor's values, read asynchronously; the tensor is disposed. */
async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** PixelCNN sampling / completion, streamed as events; stops when `signal` aborts. */
export async function* samplePixelCnn(model: Pick<PixelCnnModel, 'inference' | 'config'>, request: PixelSamplingRequest): AsyncGenerator<PixelCnnEvent> {
  const side = request.side ?? 28;
  const P = side * side;
  const K = request.samples;
  const temperature = request.temperature ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`samples must be a positive integer, got ${K}`);
  if (!(temperature > 0)) throw new RangeError(`temperature must be positive, got ${temperature}`);
  const known = request.known;
  if (known && (known.values.length !== P || known.mask.length !== P)) {
    throw new RangeError(`known pixels must hold ${P} values and ${P} mask entries (a ${side}×${side} image)`);
  }
  const tolerance = request.tieTolerance ?? (['wasm', 'cpu'].includes(tf.getBackend()) ? 0 : 1e-3);
  const rng = createRng(request.seed);

  // The K images being drawn, as model input (0/1 floats): known pixels set, unknown ones 0 until drawn.
  const x = new Float32Array(K * P);
  const unknown: number[] = [];
  for (let i = 0; i < P; i++) {
    if (known && known.mask[i]) {
      const v = known.values[i] ? 1 : 0;
      for (let k = 0; k < K; k++) x[k * P + i] = v;
    } else unknown.push(i);
  }
  const map = new Float32Array(K * P).fill(NaN);
  const sampledNll = new Float64Array(K);
  const net = model.inference();
  const naive = new NaiveEngine(net, x, K, side);
  let engine: LogitEngine;
  switch (request.method) {
    case 'naive':
      engine = naive;
      break;
    case 'band':
      engine = new BandEngine(net, x, K, side, pixelCnnReach(model.config));
      break;
    case 'fast': {
      // The cache holds every residual-stream activation of every image; past the limit, bands instead.
      const cacheBytes = 4 * K * P * model.config.channels * (model.config.residualBlocks + 1);
      const reach = pixelCnnReach(model.config);
      engine = cacheBytes <= MAX_CACHE_BYTES ? new CachedEngine(net, x, K, side, model.config.channels, reach) : new BandEngine(net, x, K, side, reach);
      break;
    }
  }
  const started = performance.now();
  let reason: 'completed' | 'cancelled' = 'completed';
  let drawn = 0;
  let nll: number[] = [];
  try {
    const breathe = request.breathe ?? createBreather();
    const u = new Float64Array(K);
    for (let j = 0; j < unknown.length; j++) {
      if (request.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      const q = unknown[j]!;
      for (let k = 0; k < K; k++) u[k] = rng.next();
      let probs = toProbs(await engine.logitsAt(q), temperature);
      if (tolerance > 0 && engine !== naive && probs.some((p, k) => Math.abs(p - u[k]!) < tolerance)) {
        probs = toProbs(await naive.logitsAt(q), temperature);
      }
      const values = new Uint8Array(K);
      for (let k = 0; k < K; k++) {
        const p = probs[k]!;
        const bit = u[k]! < p ? 1 : 0;
        values[k] = bit;
        x[k * P + q] = bit;
        map[k * P + q] = p;
        sampledNll[k]! -= Math.log(bit ? p : 1 - p);
      }
      drawn++;
      const row = Math.floor(q / side);
      yield { kind: 'pixel', index: q, row, col: q % side, values, probs: Float32Array.from(probs) };
      const next = unknown[j + 1];
      if (next === undefined || Math.floor(next / side) !== row) yield { kind: 'probabilities', row, map: Float32Array.from(map) };
      // Let the event loop breathe (cancel requests, other clients) at least every ~15 ms.
      await breathe();
    }
    if (request.score ?? true) nll = await imageNll(net, x, K, side);
  } finally {
    if (engine !== naive) engine.dispose();
    naive.dispose();
    net.dispose();
  }
  const images = new Uint8Array(K * P);
  for (let i = 0; i < K * P; i++) images[i] = x[i]!;
  const elapsedMs = performance.now() - started;
  yield {
    kind: 'done',
    reason,
    method: request.method,
    images,
    nll,
    bitsPerDim: nll.map((n) => n / (P * Math.LN2)),
    sampledNll: Array.from(sampledNll),
    pixels: drawn,
    elapsedMs,
    msPerPixel: drawn ? elapsedMs / drawn : 0,
  };
}

/** p(1) = σ(z / T), in float64 from the float32 logits (the same formula for every method). */
function toProbs(logits: Float32Array, temperature: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let k = 0; k < logits.length; k++) out[k] = 1 / (1 + Math.exp(-logits[k]! / temperature));
  return out;
}

/** −log p(x) per image, summed over every pixel: Σ softplus(z) − x·z. */
async function imageNll(net: PixelCnnInference, x: Float32Array, K: number, side: number): Promise<number[]> {
  const P = side * side;
  const z = await readAndDispose(tf.tidy(() => net.logits(tf.tensor4d(x, [K, side, side, 1]))));
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    let total = 0;
    for (let i = 0; i < P; i++) {
      const zi = z[k * P + i]!;
      total += Math.max(zi, 0) - zi * x[k * P + i]! + Math.log1p(Math.exp(-Math.abs(zi)));
    }
    out.push(total);
  }
  return out;
}

/** The baseline: a forward pass over the whole image for every pixel. */
class NaiveEngine implements LogitEngine {
  constructor(
    private readonly net: PixelCnnInference,
    private readonly x: Float32Array,
    private readonly K: number,
    private readonly side: number,
  ) {}

  async logitsAt(q: number): Promise<Float32Array> {
    const { K, side } = this;
    const P = side * side;
    const all = await readAndDispose(tf.tidy(() => this.net.logits(tf.tensor4d(this.x, [K, side, side, 1]))));
    const out = new Float32Array(K);
    for (let k = 0; k < K; k++) out[k] = all[k * P + q]!;
    return out;
  }

  dispose(): void {}
}

/**
 * A forward pass over only the window the logit at (r, c) can see: rows r − reach … r and
 * columns c ± reach. Convolutions over a cropped window read zeros past its edges where the
 * whole image had real pixels, so the activations within reach of a cropped edge are wrong —
 * but wrong by at most (k₀−1)/2 + l·(k−1)/2 positions at layer l, which is exactly what
 * `reach` leaves between every cropped edge and (r, c). Rows below r are never read (masks).
 * Where the window meets the image's edge, its padding is the image's own.
 */
class BandEngine implements LogitEngine {
  constructor(
    private readonly net: PixelCnnInference,
    private readonly x: Float32Array,
    private readonly K: number,
    private readonly side: number,
    private readonly reach: number,
  ) {}

  async logitsAt(q: number): Promise<Float32Array> {
    const { K, side, reach, x } = this;
    const P = side * side;
    const r = Math.floor(q / side);
    const c = q % side;
    const top = Math.max(0, r - reach);
    const left = Math.max(0, c - reach);
    const right = Math.min(side - 1, c + reach);
    const h = r - top + 1;
    const w = right - left + 1;
    const window = new Float32Array(K * h * w);
    for (let k = 0; k < K; k++) {
      for (let y = 0; y < h; y++) {
        const src = k * P + (top + y) * side + left;
        window.set(x.subarray(src, src + w), (k * h + y) * w);
      }
    }
    const all = await readAndDispose(tf.tidy(() => this.net.logits(tf.tensor4d(window, [K, h, w, 1]))));
    const out = new Float32Array(K);
    for (let k = 0; k < K; k++) out[k] = all[k * h * w + (r - top) * w + (c - left)]!;
    return out;
  }

  dispose(): void {}
}

/**
 * Cached activations. The residual-stream activation hₗ at position p depends only on input
 * pixels before p, so once those are final it never changes: compute it once and keep it.
 * Positions are made final in raster order. One position costs one small patch per layer
 * (a 'valid' convolution over the k×k neighbourhood, cached neighbours + the new centre), a run
 * of positions costs one band pass (rows from `reach` above it, full width). The arithmetic
 * per position is the same as the whole-image pass, so the logits are the same.
 */
class CachedEngine implements LogitEngine {
  /** hₗ for l = 0 … L: K × side² × C each, valid at positions < `next`. */
  private readonly cache: Float32Array[];
  /** First position whose activations are not final yet. */
  private next = 0;
  private readonly L: number;
  private readonly k0: number;
  private readonly k: number;

  constructor(
    private readonly net: PixelCnnInference,
    private readonly x: Float32Array,
    private readonly K: number,
    private readonly side: number,
    private readonly C: number,
    private readonly reach: number,
  ) {
    this.L = net.config.residualBlocks;
    this.k0 = net.config.firstKernel;
    this.k = net.config.kernel;
    this.cache = Array.from({ length: this.L + 1 }, () => new Float32Array(K * side * side * C));
  }

  async logitsAt(q: number): Promise<Float32Array> {
    if (q < this.next) throw new Error(`pixel ${q} comes before the sampling frontier ${this.next}`);
    // A long run of positions (a row or more): one band pass. Else position by position.
    if (q - this.next >= this.side) return this.band(this.next, q);
    let logits: Float32Array | null = null;
    for (let p = this.next; p <= q; p++) logits = await this.position(p, p === q);
    this.next = q + 1;
    return logits!;
  }

  /** Activations at positions from … to (all inputs before them final) with one pass; the logits at `to`. */
  private async band(from: number, to: number): Promise<Float32Array> {
    const { K, side, C, x } = this;
    const P = side * side;
    const firstRow = Math.floor(from / side);
    const lastRow = Math.floor(to / side);
    const top = Math.max(0, firstRow - this.reach);
    const h = lastRow - top + 1;
    const rows = new Float32Array(K * h * side);
    for (let k = 0; k < K; k++) rows.set(x.subarray(k * P + top * side, k * P + (lastRow + 1) * side), k * h * side);
    const input = tf.tensor4d(rows, [K, h, side, 1]);
    const { hidden, logits } = this.net.activations(input);
    input.dispose();
    try {
      const [z, ...layers] = (await Promise.all([logits, ...hidden].map((t) => t.data()))) as Float32Array[];
      for (let l = 0; l <= this.L; l++) {
        const data = layers[l]!;
        const cache = this.cache[l]!;
        for (let k = 0; k < K; k++) {
          const src = (k * h * side + (from - top * side)) * C;
          cache.set(data.subarray(src, src + (to - from + 1) * C), (k * P + from) * C);
        }
      }
      const out = new Float32Array(K);
      for (let k = 0; k < K; k++) out[k] = z![k * h * side + (to - top * side)]!;
      this.next = to + 1;
      return out;
    } finally {
      tf.dispose([...hidden, logits]);
    }
  }

  /** Activations at one position from its cached neighbours; the logits there when asked. */
  private async position(p: number, wantLogits: boolean): Promise<Float32Array | null> {
    const { K, side, C, x, L, k0, k } = this;
    const P = side * side;
    const r = Math.floor(p / side);
    const c = p % side;
    // The first layer's input patch: pixels before p (the mask hides the rest; zeros there).
    const R0 = (k0 - 1) / 2;
    const input = new Float32Array(K * k0 * k0);
    for (let dy = 0; dy <= R0; dy++) {
      const y = r - R0 + dy;
      if (y < 0) continue;
      for (let dx = 0; dx < k0; dx++) {
        const xx = c - R0 + dx;
        if (xx < 0 || xx >= side || y * side + xx >= p) continue;
        for (let s = 0; s < K; s++) input[(s * k0 + dy) * k0 + dx] = x[s * P + y * side + xx]!;
      }
    }
    // Each block's patch of the layer below: cached neighbours before p; the centre comes from this pass.
    const R = (k - 1) / 2;
    const patches: Float32Array[] = [];
    for (let l = 1; l <= L; l++) {
      const cache = this.cache[l - 1]!;
      const patch = new Float32Array(K * k * k * C);
      for (let dy = 0; dy <= R; dy++) {
        const y = r - R + dy;
        if (y < 0) continue;
        for (let dx = 0; dx < k; dx++) {
          const xx = c - R + dx;
          if (xx < 0 || xx >= side || y * side + xx >= p) continue;
          for (let s = 0; s < K; s++) {
            const src = (s * P + y * side + xx) * C;
            patch.set(cache.subarray(src, src + C), ((s * k + dy) * k + dx) * C);
          }
        }
      }
      patches.push(patch);
    }
    const result = tf.tidy(() => {
      const hs: tf.Tensor4D[] = [this.net.first(tf.tensor4d(input, [K, k0, k0, 1]), 'valid')];
      for (let l = 1; l <= L; l++) {
        const below = hs[l - 1]!;
        const patch = tf.add(tf.tensor4d(patches[l - 1]!, [K, k, k, C]), tf.pad(below, [[0, 0], [R, R], [R, R], [0, 0]])) as tf.Tensor4D;
        hs.push(tf.add(below, this.net.blockBranch(l, patch, 'valid')));
      }
      const parts: tf.Tensor2D[] = hs.map((h) => h.reshape([K, C]));
      if (wantLogits) parts.push(this.net.head(hs[L]!).reshape([K, 1]));
      return tf.concat(parts, 1);
    });
    const data = await readAndDispose(result);
    const width = (L + 1) * C + (wantLogits ? 1 : 0);
    for (let l = 0; l <= L; l++) {
      const cache = this.cache[l]!;
      for (let s = 0; s < K; s++) cache.set(data.subarray(s * width + l * C, s * width + (l + 1) * C), (s * P + p) * C);
    }
    if (!wantLogits) return null;
    const out = new Float32Array(K);
    for (let s = 0; s < K; s++) out[s] = data[s * width + (L + 1) * C]!;
    return out;
  }

  dispose(): void {
    this.cache.length = 0;
  }
}

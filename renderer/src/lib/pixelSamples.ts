/**
 * K PixelCNN samples (or completions) as the Image lab shows them while they fill in: the
 * images so far, which pixels are known, drawn or still to come, each drawn pixel's p(1), and
 * the pictures made from them (screen colours, PNG and GIF exports, the fill-in recording).
 * Pure (no runes, no DOM): pixelSampling.svelte.ts feeds the worker's events through these.
 */
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { PIXELS, SIDE } from './bitmap.ts';
import { encodeGif, scaleIndices, type Rgb } from './gif.ts';
import { translate } from './i18n/translate.ts';

export type PixelEvent = Extract<JobEvent, { kind: 'pixel' }>;
export type ProbabilitiesEvent = Extract<JobEvent, { kind: 'probabilities' }>;
export type ImagesEvent = Extract<JobEvent, { kind: 'images' }>;

/** The pixel being drawn now: where, and p(1) for each sample. */
export interface CurrentPixel {
  index: number;
  row: number;
  col: number;
  probs: Float32Array;
  values: Uint8Array;
}

export interface SampleBuffers {
  /** K. */
  samples: number;
  /** K × 784 bits, sample-major: known pixels from the start, drawn ones as they arrive. */
  images: Uint8Array;
  /** 784: 1 where the pixel is known (fixed by the person). */
  known: Uint8Array;
  /** 784: 1 once the pixel has been drawn (in every sample at once). */
  drawn: Uint8Array;
  /** K × 784: p(1) each drawn pixel was drawn from; NaN elsewhere. */
  probs: Float32Array;
  /** Unknown pixels in all, and how many of them are drawn. */
  unknownTotal: number;
  drawnCount: number;
  current: CurrentPixel | null;
  /** From the final `images` event. */
  nll: number[] | null;
  bitsPerDim: number[] | null;
  elapsedMs: number | null;
  finished: boolean;
}

/** Fresh buffers for K samples; `known` pixels (if any) are set in every sample. */
export function newSampleBuffers(samples: number, known?: { values: Uint8Array; mask: Uint8Array } | null): SampleBuffers {
  const images = new Uint8Array(samples * PIXELS);
  const mask = new Uint8Array(PIXELS);
  if (known) {
    for (let i = 0; i < PIXELS; i++) {
      if (!known.mask[i]) continue;
      mask[i] = 1;
      const v = known.values[i] ? 1 : 0;
      for (let k = 0; k < samples; k++) images[k * PIXELS + i] = v;
    }
  }
  let unknownTotal = 0;
  for (const m of mask) if (!m) unknownTotal++;
  return {
    samples,
    images,
    known: mask,
    drawn: new Uint8Array(PIXELS),
    probs: new Float32Array(samples * PIXELS).fill(NaN),
    unknownTotal,
    drawnCount: 0,
    current: null,
    nll: null,
    bitsPerDim: null,
    elapsedMs: null,
    finished: false,
  };
}

/** One pixel drawn in every sample. Known pixels are never overwritten. */
export function applyPixel(b: SampleBuffers, e: PixelEvent): void {
  const i = e.index;
  if (i < 0 || i >= PIXELS || b.known[i]) return;
  for (let k = 0; k < b.samples; k++) {
    b.images[k * PIXELS + i] = e.values[k] ? 1 : 0;
    b.probs[k * PIXELS + i] = e.probs[k] ?? NaN;
  }
  if (!b.drawn[i]) {
    b.drawn[i] = 1;
    b.drawnCount++;
  }
  b.current = { index: i, row: e.row, col: e.col, probs: e.probs, values: e.values };
}

/** The per-row probability map: fills in any p(1) the pixel events have not (they agree). */
export function applyProbabilities(b: SampleBuffers, e: ProbabilitiesEvent): void {
  const n = Math.min(e.map.length, b.probs.length);
  for (let j = 0; j < n; j++) {
    const p = e.map[j]!;
    if (!Number.isNaN(p) && !b.known[j % PIXELS]) b.probs[j] = p;
  }
}

/** The finished images and their NLL. Pixels a stopped job never reached stay undrawn. */
export function applyImages(b: SampleBuffers, e: ImagesEvent): void {
  const n = Math.min(e.images.length, b.images.length);
  for (let j = 0; j < n; j++) {
    const i = j % PIXELS;
    if (b.known[i] || b.drawn[i]) b.images[j] = e.images[j] ? 1 : 0;
  }
  b.nll = e.nll;
  b.bitsPerDim = e.bitsPerDim;
  b.elapsedMs = e.elapsedMs;
  b.current = null;
  b.finished = true;
}

/** Applies any sampling event; returns whether it changed what is drawn. */
export function applySampleEvent(b: SampleBuffers, e: JobEvent): boolean {
  switch (e.kind) {
    case 'pixel':
      applyPixel(b, e);
      return true;
    case 'probabilities':
      applyProbabilities(b, e);
      return true;
    case 'images':
      applyImages(b, e);
      return true;
    default:
      return false;
  }
}

// ------------------------------------------------------------------ colours

/** What each pixel of a sample is: the four colours of every sample picture (and of the GIF). */
export const PAPER = 0;
export const KNOWN_INK = 1;
export const SAMPLED_INK = 2;
export const PENDING = 3;

export interface SampleColours {
  /** Indexed by PAPER, KNOWN_INK, SAMPLED_INK, PENDING. */
  cells: readonly [Rgb, Rgb, Rgb, Rgb];
  /** p(1) = 0 and p(1) = 1 in the probability map, and pixels with no probability. */
  heatLow: Rgb;
  heatHigh: Rgb;
  heatNone: Rgb;
}

/** Screen colours, light and dark (the app's --surface, --text, --accent and --val). */
export function sampleColours(dark: boolean): SampleColours {
  return dark
    ? {
        cells: [
          [22, 26, 32],
          [228, 231, 235],
          [129, 140, 248],
          [42, 48, 58],
        ],
        heatLow: [22, 26, 32],
        heatHigh: [255, 146, 43],
        heatNone: [42, 48, 58],
      }
    : {
        cells: [
          [255, 255, 255],
          [27, 31, 36],
          [79, 70, 229],
          [225, 228, 233],
        ],
        heatLow: [255, 255, 255],
        heatHigh: [232, 89, 12],
        heatNone: [225, 228, 233],
      };
}

/** Colours of saved pictures (the same in either theme): ink on white, the model's ink blue. */
export const EXPORT_PALETTE: readonly [Rgb, Rgb, Rgb, Rgb] = [
  [255, 255, 255],
  [17, 17, 17],
  [37, 99, 235],
  [214, 218, 224],
];

/**
 * Sample `k` as colour indices: known pixels as known ink or paper, drawn ones as the model's
 * ink or paper, the rest pending. With `tint` false the model's ink is plain ink.
 */
export function sampleIndices(b: Pick<SampleBuffers, 'images' | 'known' | 'drawn'>, k: number, tint = true): Uint8Array {
  const out = new Uint8Array(PIXELS);
  const base = k * PIXELS;
  for (let i = 0; i < PIXELS; i++) {
    const v = b.images[base + i];
    if (b.known[i]) out[i] = v ? KNOWN_INK : PAPER;
    else if (b.drawn[i]) out[i] = v ? (tint ? SAMPLED_INK : KNOWN_INK) : PAPER;
    else out[i] = PENDING;
  }
  return out;
}

/** Colour indices to RGBA (opaque). */
export function indicesToRgba(indices: Uint8Array, palette: readonly Rgb[]): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(indices.length * 4);
  for (let i = 0; i < indices.length; i++) {
    const c = palette[indices[i]!] ?? palette[0]!;
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Sample `k` in screen colours, 28×28 RGBA. */
export function sampleRgba(b: SampleBuffers, k: number, colours: SampleColours): Uint8ClampedArray<ArrayBuffer> {
  return indicesToRgba(sampleIndices(b, k), colours.cells);
}

const mix = (a: Rgb, c: Rgb, t: number): Rgb => [a[0] + (c[0] - a[0]) * t, a[1] + (c[1] - a[1]) * t, a[2] + (c[2] - a[2]) * t];

/** Sample `k`'s probability map, 28×28 RGBA: p(1) of each drawn pixel from low to high colour. */
export function heatRgba(b: SampleBuffers, k: number, colours: SampleColours): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(PIXELS * 4);
  for (let i = 0; i < PIXELS; i++) {
    const p = b.probs[k * PIXELS + i]!;
    const c = Number.isNaN(p) ? colours.heatNone : mix(colours.heatLow, colours.heatHigh, Math.max(0, Math.min(1, p)));
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A plain black-and-white 28×28 image (1 = ink) as RGBA, for thumbnails and the dataset preview. */
export function bitsRgba(bits: Uint8Array, ink: Rgb, paper: Rgb): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(PIXELS * 4);
  for (let i = 0; i < PIXELS; i++) {
    const c = bits[i] ? ink : paper;
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

// ------------------------------------------------------------------ grids and exports

/** Columns of a grid of `n` images: one row up to 8, else about square. */
export function gridColumns(n: number): number {
  return n <= 8 ? Math.max(1, n) : Math.ceil(Math.sqrt(n));
}

export interface IndexImage {
  width: number;
  height: number;
  indices: Uint8Array;
}

/** The state of the K samples at one moment (what a GIF frame shows). */
export interface SampleSnapshot {
  images: Uint8Array;
  drawn: Uint8Array;
}

/**
 * The samples side by side in a grid, `scale` screen pixels a cell, with a `gap`-cell border
 * between and around them in the pending colour. `only` picks one sample.
 */
export function gridIndices(
  snap: SampleSnapshot,
  known: Uint8Array,
  samples: number,
  options: { scale?: number; gap?: number; tint?: boolean; only?: number } = {},
): IndexImage {
  const { scale = 1, gap = 1, tint = true, only } = options;
  const picked = only === undefined ? Array.from({ length: samples }, (_, k) => k) : [only];
  const cols = gridColumns(picked.length);
  const rows = Math.ceil(picked.length / cols);
  const border = only === undefined ? gap : 0;
  const width = border + cols * (SIDE + border);
  const height = border + rows * (SIDE + border);
  const indices = new Uint8Array(width * height).fill(PENDING);
  picked.forEach((k, n) => {
    const x0 = border + (n % cols) * (SIDE + border);
    const y0 = border + Math.floor(n / cols) * (SIDE + border);
    const cell = sampleIndices({ images: snap.images, known, drawn: snap.drawn }, k, tint);
    for (let r = 0; r < SIDE; r++) indices.set(cell.subarray(r * SIDE, (r + 1) * SIDE), (y0 + r) * width + x0);
  });
  return scale === 1 ? { width, height, indices } : { width: width * scale, height: height * scale, indices: scaleIndices(indices, width, height, scale) };
}

/** Records the fill-in every `every` pixels, for an animated GIF. */
export class FillRecorder {
  readonly frames: SampleSnapshot[] = [];
  private lastRecorded = -1;

  constructor(
    readonly every: number,
    /** At most this many frames (the last one is always kept). */
    readonly maxFrames = 400,
  ) {}

  /** A cadence that gives about `target` frames for `unknown` pixels to draw. */
  static cadence(unknown: number, target = 80): number {
    return Math.max(1, Math.ceil(unknown / target));
  }

  /** Records a frame if `every` pixels have been drawn since the last one (or `force`). */
  record(b: SampleBuffers, force = false): boolean {
    if (!force && this.lastRecorded >= 0 && b.drawnCount - this.lastRecorded < this.every) return false;
    if (b.drawnCount === this.lastRecorded && this.frames.length > 0) {
      // The same moment again (the final images): replace it, so the last frame is the final one.
      this.frames[this.frames.length - 1] = { images: b.images.slice(), drawn: b.drawn.slice() };
      return true;
    }
    if (this.frames.length >= this.maxFrames) this.frames.splice(1, 1); // drop the oldest but the first
    this.frames.push({ images: b.images.slice(), drawn: b.drawn.slice() });
    this.lastRecorded = b.drawnCount;
    return true;
  }

  get size(): number {
    return this.frames.length;
  }

  /** The recording as a looping GIF: `delayCs` a frame, the last held for `holdCs`. */
  toGif(known: Uint8Array, samples: number, options: { scale?: number; delayCs?: number; holdCs?: number } = {}): Uint8Array<ArrayBuffer> {
    const { scale = 4, delayCs = 5, holdCs = 200 } = options;
    if (this.frames.length === 0) throw new Error(translate('sampling.nothingRecorded'));
    const pictures = this.frames.map((f) => gridIndices(f, known, samples, { scale }));
    const { width, height } = pictures[0]!;
    return encodeGif({
      width,
      height,
      palette: EXPORT_PALETTE,
      frames: pictures.map((p, i) => ({ indices: p.indices, delayCs: i === pictures.length - 1 ? holdCs : delayCs })),
      loop: 0,
    });
  }
}

/** "sample-3.png", "completions-4.png", with the run's name first when there is one. */
export function exportName(kind: string, suffix: string, runName?: string | null): string {
  const stem = (runName ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return `${stem ? `${stem}-` : ''}${kind}${suffix ? `-${suffix}` : ''}`;
}

/**
 * 28×28 binary images as the Image lab edits them: pen and eraser strokes, keeping part of an
 * image, and which pixels count as known. Pure (no runes, no DOM).
 */

/** Side of every image (the PixelCNN's 28×28). */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

export interface Cell {
  row: number;
  col: number;
}

/** A rectangle of cells, both corners included. */
export interface CellRect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** Which pixels the completion keeps: every pixel above a row, or the ones drawn or kept. */
export type KnownMode = 'rows' | 'painted';

/** Pen widths: 1 = one cell, 2 = a 2×2 block, 3 = a plus-shaped 3×3 disc. */
export type Brush = 1 | 2 | 3;
export const BRUSHES: readonly Brush[] = [1, 2, 3];

/** The drawing: pixel values (1 = ink) and the painted mask (1 = drawn, erased or kept). */
export interface Drawing {
  values: Uint8Array;
  painted: Uint8Array;
}

export function emptyDrawing(): Drawing {
  return { values: new Uint8Array(PIXELS), painted: new Uint8Array(PIXELS) };
}

export function copyDrawing(d: Drawing): Drawing {
  return { values: d.values.slice(), painted: d.painted.slice() };
}

export function sameDrawing(a: Drawing, b: Drawing): boolean {
  for (let i = 0; i < PIXELS; i++) if (a.values[i] !== b.values[i] || a.painted[i] !== b.painted[i]) return false;
  return true;
}

const clampCell = (v: number) => Math.max(0, Math.min(SIDE - 1, v));

/** The cell under a point of an element `width` × `height` pixels showing the image (clamped to the image). */
export function cellAt(x: number, y: number, width: number, height: number): Cell {
  return { row: clampCell(Math.floor((y / height) * SIDE)), col: clampCell(Math.floor((x / width) * SIDE)) };
}

/** The cells a brush covers when stamped at `c` (those inside the image). */
export function brushCells(c: Cell, brush: Brush): Cell[] {
  const offsets: [number, number][] =
    brush === 1
      ? [[0, 0]]
      : brush === 2
        ? [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ]
        : [
            [0, 0],
            [-1, 0],
            [1, 0],
            [0, -1],
            [0, 1],
          ];
  const out: Cell[] = [];
  for (const [dr, dc] of offsets) {
    const row = c.row + dr;
    const col = c.col + dc;
    if (row >= 0 && row < SIDE && col >= 0 && col < SIDE) out.push({ row, col });
  }
  return out;
}

/** Every cell on the straight line from `a` to `b`, both ends included (Bresenham). */
export function lineCells(a: Cell, b: Cell): Cell[] {
  const out: Cell[] = [];
  let { row, col } = a;
  const dr = Math.abs(b.row - row);
  const dc = Math.abs(b.col - col);
  const sr = row < b.row ? 1 : -1;
  const sc = col < b.col ? 1 : -1;
  let err = dc - dr;
  for (;;) {
    out.push({ row, col });
    if (row === b.row && col === b.col) return out;
    const e2 = 2 * err;
    if (e2 > -dr) {
      err -= dr;
      col += sc;
    }
    if (e2 < dc) {
      err += dc;
      row += sr;
    }
  }
}

/**
 * Paints a stroke segment from `from` to `to` into `d` in place: the pen sets ink, the eraser
 * clears it; both mark the cells as painted (known, in the painted mode). Returns whether anything changed.
 */
export function paintSegment(d: Drawing, from: Cell, to: Cell, ink: 0 | 1, brush: Brush): boolean {
  let changed = false;
  for (const c of lineCells(from, to)) {
    for (const b of brushCells(c, brush)) {
      const i = b.row * SIDE + b.col;
      if (d.values[i] !== ink || d.painted[i] !== 1) {
        d.values[i] = ink;
        d.painted[i] = 1;
        changed = true;
      }
    }
  }
  return changed;
}

/** The rectangle with `a` and `b` as opposite corners. */
export function rectBetween(a: Cell, b: Cell): CellRect {
  return { top: Math.min(a.row, b.row), bottom: Math.max(a.row, b.row), left: Math.min(a.col, b.col), right: Math.max(a.col, b.col) };
}

/** The top `rows` rows, as a rectangle (null when rows is 0: nothing). */
export function topRowsRect(rows: number): CellRect | null {
  const r = Math.max(0, Math.min(SIDE, Math.round(rows)));
  return r === 0 ? null : { top: 0, left: 0, bottom: r - 1, right: SIDE - 1 };
}

/**
 * Keeps only what lies inside `keep` (null: nothing) and clears the rest; the kept region
 * becomes the painted mask (its blank pixels count as known too).
 */
export function keepRegion(image: Uint8Array, keep: CellRect | null): Drawing {
  const d = emptyDrawing();
  if (!keep) return d;
  for (let row = keep.top; row <= keep.bottom; row++)
    for (let col = keep.left; col <= keep.right; col++) {
      const i = row * SIDE + col;
      d.values[i] = image[i] ? 1 : 0;
      d.painted[i] = 1;
    }
  return d;
}

/** A drawing holding the whole of `image` (every pixel painted). */
export function drawingFromImage(image: Uint8Array): Drawing {
  return { values: Uint8Array.from(image.subarray(0, PIXELS), (v) => (v ? 1 : 0)), painted: new Uint8Array(PIXELS).fill(1) };
}

/** Which pixels count as known: the rows above `rows`, or the painted ones. */
export function knownMask(mode: KnownMode, rows: number, painted: Uint8Array): Uint8Array<ArrayBuffer> {
  if (mode === 'painted') return Uint8Array.from(painted, (v) => (v ? 1 : 0));
  const mask = new Uint8Array(PIXELS);
  mask.fill(1, 0, Math.max(0, Math.min(SIDE, Math.round(rows))) * SIDE);
  return mask;
}

/** The lowest row holding ink, or -1 for a blank image. */
export function lowestInkRow(values: Uint8Array): number {
  for (let i = PIXELS - 1; i >= 0; i--) if (values[i]) return Math.floor(i / SIDE);
  return -1;
}

export function countOnes(bits: Uint8Array): number {
  let n = 0;
  for (const b of bits) if (b) n++;
  return n;
}

/** The image `index` of a stack of 28×28 images. */
export function imageAt(images: Uint8Array, index: number): Uint8Array {
  return images.subarray(index * PIXELS, (index + 1) * PIXELS);
}

/** A bounded undo history of drawings (each entry is the drawing before one stroke or edit). */
export class UndoStack {
  private readonly entries: Drawing[] = [];
  constructor(private readonly limit = 100) {}

  push(d: Drawing): void {
    this.entries.push(copyDrawing(d));
    if (this.entries.length > this.limit) this.entries.shift();
  }

  pop(): Drawing | undefined {
    return this.entries.pop();
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries.length = 0;
  }
}

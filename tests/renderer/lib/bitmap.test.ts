import { describe, expect, it } from 'vitest';
import {
  brushCells,
  cellAt,
  countOnes,
  drawingFromImage,
  emptyDrawing,
  keepRegion,
  knownMask,
  lineCells,
  lowestInkRow,
  paintSegment,
  PIXELS,
  rectBetween,
  SIDE,
  topRowsRect,
  UndoStack,
} from '../../../renderer/src/lib/bitmap.ts';

const on = (bits: Uint8Array) => [...bits.keys()].filter((i) => bits[i]);

describe('cellAt', () => {
  it('maps element coordinates to cells, clamped to the image', () => {
    expect(cellAt(0, 0, 392, 392)).toEqual({ row: 0, col: 0 });
    expect(cellAt(391, 14, 392, 392)).toEqual({ row: 1, col: 27 });
    expect(cellAt(-5, 500, 392, 392)).toEqual({ row: 27, col: 0 });
    expect(cellAt(100, 50, 196, 196)).toEqual({ row: 7, col: 14 });
  });
});

describe('strokes', () => {
  it('draws straight lines with every cell between the ends', () => {
    expect(lineCells({ row: 2, col: 1 }, { row: 2, col: 4 })).toEqual([1, 2, 3, 4].map((col) => ({ row: 2, col })));
    expect(lineCells({ row: 5, col: 5 }, { row: 3, col: 5 })).toEqual([5, 4, 3].map((row) => ({ row, col: 5 })));
    const diagonal = lineCells({ row: 0, col: 0 }, { row: 6, col: 3 });
    expect(diagonal[0]).toEqual({ row: 0, col: 0 });
    expect(diagonal.at(-1)).toEqual({ row: 6, col: 3 });
    expect(diagonal).toHaveLength(7); // one cell per row: no gaps
  });

  it('stamps brushes inside the image only', () => {
    expect(brushCells({ row: 3, col: 3 }, 1)).toEqual([{ row: 3, col: 3 }]);
    expect(brushCells({ row: 27, col: 27 }, 2)).toEqual([{ row: 27, col: 27 }]);
    expect(brushCells({ row: 0, col: 0 }, 3)).toHaveLength(3);
  });

  it('pen marks ink and paints the mask; the eraser clears ink but keeps the cells painted', () => {
    const d = emptyDrawing();
    expect(paintSegment(d, { row: 1, col: 1 }, { row: 1, col: 3 }, 1, 1)).toBe(true);
    expect(on(d.values)).toEqual([29, 30, 31]);
    expect(on(d.painted)).toEqual([29, 30, 31]);
    expect(paintSegment(d, { row: 1, col: 1 }, { row: 1, col: 3 }, 1, 1)).toBe(false);
    paintSegment(d, { row: 1, col: 2 }, { row: 1, col: 2 }, 0, 1);
    expect(on(d.values)).toEqual([29, 31]);
    expect(on(d.painted)).toEqual([29, 30, 31]);
  });
});

describe('keeping part of an image', () => {
  const image = new Uint8Array(PIXELS).map((_, i) => (i % 3 === 0 ? 1 : 0));

  it('keeps the top rows, clears the rest, and paints the kept rows', () => {
    const d = keepRegion(image, topRowsRect(10));
    for (let i = 0; i < PIXELS; i++) {
      expect(d.values[i]).toBe(i < 280 ? image[i] : 0);
      expect(d.painted[i]).toBe(i < 280 ? 1 : 0);
    }
    expect(countOnes(keepRegion(image, topRowsRect(0)).painted)).toBe(0);
    expect(countOnes(keepRegion(image, topRowsRect(SIDE)).painted)).toBe(PIXELS);
  });

  it('keeps any rectangle', () => {
    const rect = rectBetween({ row: 5, col: 9 }, { row: 2, col: 4 });
    expect(rect).toEqual({ top: 2, bottom: 5, left: 4, right: 9 });
    const d = keepRegion(image, rect);
    expect(countOnes(d.painted)).toBe(4 * 6);
    expect(d.values[2 * SIDE + 4]).toBe(image[2 * SIDE + 4]);
    expect(d.values[0]).toBe(0);
  });

  it('a whole image is all painted', () => {
    const d = drawingFromImage(image);
    expect(d.values).toEqual(image);
    expect(countOnes(d.painted)).toBe(PIXELS);
  });
});

describe('knownMask', () => {
  it('is every row above R, or the painted cells', () => {
    const painted = new Uint8Array(PIXELS);
    painted[700] = 1;
    expect(on(knownMask('rows', 2, painted))).toEqual([...Array(56).keys()]);
    expect(countOnes(knownMask('rows', 0, painted))).toBe(0);
    expect(countOnes(knownMask('rows', 40, painted))).toBe(PIXELS);
    expect(on(knownMask('painted', 2, painted))).toEqual([700]);
  });

  it('finds the lowest ink', () => {
    const v = new Uint8Array(PIXELS);
    expect(lowestInkRow(v)).toBe(-1);
    v[5 * SIDE + 3] = 1;
    expect(lowestInkRow(v)).toBe(5);
  });
});

describe('UndoStack', () => {
  it('keeps copies, newest first, up to its limit', () => {
    const u = new UndoStack(2);
    const d = emptyDrawing();
    u.push(d);
    d.values[0] = 1;
    u.push(d);
    d.values[1] = 1;
    u.push(d);
    expect(u.size).toBe(2);
    expect(on(u.pop()!.values)).toEqual([0, 1]);
    expect(on(u.pop()!.values)).toEqual([0]);
    expect(u.pop()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { cellGlyph, cellTitle, MASK_GLYPH, maskedCells, passCells, surpriseLevel, typedCell } from '../../../renderer/src/lib/tokenCells.ts';

describe('token cells', () => {
  it('shows masked slots as the mask glyph and the rest as their characters', () => {
    const cells = passCells({ tokens: [5, -1, 7], text: ['a', '', '\n'], probs: [0.9, 0, 0.3], predicted: [2] });
    expect(cells.map((c) => cellGlyph(c, false))).toEqual(['a', MASK_GLYPH, '↵']);
    expect(cells.map((c) => cellGlyph(c, true))).toEqual(['a', MASK_GLYPH, '\n']);
    expect(cells.map((c) => c.fresh)).toEqual([false, false, true]);
    expect(cellTitle(cells[1]!)).toMatch(/masked/);
    expect(cellTitle(cells[2]!)).toMatch(/p = 0\.300 · re-predicted/);
    expect(maskedCells(3).every((c) => c.masked && cellGlyph(c, true) === MASK_GLYPH)).toBe(true);
    expect(cellTitle(typedCell('b', 0.5, 2))).toMatch(/round 2/);
  });

  it('tints less likely characters more strongly', () => {
    expect(surpriseLevel(1)).toBe(0);
    expect(surpriseLevel(0.5)).toBe(2);
    expect(surpriseLevel(0)).toBe(4);
    expect(surpriseLevel(Number.NaN)).toBe(0);
  });
});

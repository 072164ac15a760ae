/**
 * Generated text as the screens draw it: one cell per character slot, with its probability,
 * whether it is still masked, whether the latest pass (re)predicted it, and (hybrid) the
 * speculative round whose draft it came from. Pure.
 */
import { translate } from './i18n/translate.ts';

export interface TokenCell {
  text: string;
  prob: number;
  /** Not predicted yet (NAR canvases). */
  masked: boolean;
  /** Predicted (or re-predicted) by the latest parallel pass. */
  fresh: boolean;
  /** Hybrid lanes: the round whose NAR draft the AR model accepted; null for the AR model's own tokens. */
  round: number | null;
}

/** What a masked slot looks like. */
export const MASK_GLYPH = '▢';

/** A canvas of `n` slots, all masked. */
export function maskedCells(n: number): TokenCell[] {
  return Array.from({ length: Math.max(0, n) }, () => ({ text: '', prob: Number.NaN, masked: true, fresh: false, round: null }));
}

/** The cells of a NAR pass (the whole canvas; token -1 = still masked). */
export function passCells(pass: { tokens: readonly number[]; text: readonly string[]; probs: readonly number[]; predicted: readonly number[] }): TokenCell[] {
  const predicted = new Set(pass.predicted);
  return pass.tokens.map((id, i) => ({
    text: id >= 0 ? (pass.text[i] ?? '') : '',
    prob: id >= 0 ? (pass.probs[i] ?? Number.NaN) : Number.NaN,
    masked: id < 0,
    fresh: id >= 0 && predicted.has(i),
    round: null,
  }));
}

/** A token typed by a left-to-right strategy. */
export function typedCell(text: string, prob: number, round: number | null = null): TokenCell {
  return { text, prob, masked: false, fresh: false, round };
}

/** 0 (likely) … 4 (unlikely): how strongly a character is tinted. */
export function surpriseLevel(prob: number): number {
  if (!Number.isFinite(prob)) return 0;
  return Math.max(0, Math.min(4, Math.floor((1 - prob) * 5)));
}

/**
 * The glyph a cell shows: the mask glyph, or its character; with `breakLines` off, line breaks
 * and tabs become visible symbols so that a lane keeps its shape while its text changes.
 */
export function cellGlyph(cell: TokenCell, breakLines: boolean): string {
  if (cell.masked) return MASK_GLYPH;
  if (breakLines) return cell.text;
  if (cell.text === '\n') return '↵';
  if (cell.text === '\t') return '→';
  return cell.text;
}

/** A cell's tooltip. */
export function cellTitle(cell: TokenCell): string {
  if (cell.masked) return translate('race.cellMasked');
  const p = Number.isFinite(cell.prob) ? `p = ${cell.prob.toFixed(3)}` : '';
  const round = cell.round !== null ? translate('race.cellDraft', { round: cell.round }) : '';
  return `${p}${round}${cell.fresh ? translate('race.cellFresh') : ''}`;
}

import type { Point } from './points.ts';

/** The plotting area of a chart, in pixels. */
export interface PlotBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Where a point's label goes: its anchor point and which side of the point it reads from. */
export interface PlacedLabel {
  x: number;
  y: number;
  anchor: 'start' | 'end';
}

/** A label's rough width: `charWidth` a character, twice that for a wide (CJK) one, as in "掩码预测 T=4". */
export function labelWidth(label: string, charWidth: number): number {
  let w = 0;
  for (const ch of label) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 * charWidth : charWidth;
  return w;
}

/**
 * Places a short label beside each marker so that labels stay inside the plot and do not overlap:
 * to the right of its point (to the left near the right edge), pushed down a line at a time past
 * labels already placed. `charWidth` (of a Latin character; a CJK one counts twice) and `lineHeight`
 * are the label font's rough metrics in pixels.
 */
export function placeLabels(
  markers: readonly (Point | null)[],
  labels: readonly string[],
  plot: PlotBox,
  charWidth = 6,
  lineHeight = 12,
): (PlacedLabel | null)[] {
  const placed: { x0: number; x1: number; y: number }[] = [];
  const out: (PlacedLabel | null)[] = markers.map(() => null);
  const order = markers
    .map((_, i) => i)
    .filter((i) => markers[i])
    .sort((a, b) => markers[a]!.y - markers[b]!.y || markers[a]!.x - markers[b]!.x);
  for (const i of order) {
    const m = markers[i]!;
    const w = labelWidth(labels[i] ?? '', charWidth);
    const right = m.x + 6 + w <= plot.right;
    const x0 = right ? m.x + 6 : m.x - 6 - w;
    const x1 = x0 + w;
    let y = Math.max(plot.top + lineHeight, m.y - 5);
    const clashes = (yy: number) => placed.some((p) => p.x0 < x1 && x0 < p.x1 && Math.abs(p.y - yy) < lineHeight);
    while (clashes(y) && y < plot.bottom + lineHeight * markers.length) y += lineHeight;
    placed.push({ x0, x1, y });
    out[i] = { x: right ? m.x + 6 : m.x - 6, y, anchor: right ? 'start' : 'end' };
  }
  return out;
}

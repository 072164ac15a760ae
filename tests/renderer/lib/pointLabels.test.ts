import { describe, expect, it } from 'vitest';
import { labelWidth, placeLabels } from '../../../renderer/src/lib/pointLabels.ts';

describe('placeLabels', () => {
  const plot = { left: 40, top: 10, right: 300, bottom: 200 };
  it('keeps labels inside the plot and apart from each other', () => {
    const markers = [{ x: 100, y: 100 }, { x: 102, y: 101 }, { x: 104, y: 99 }, { x: 295, y: 50 }, null];
    const labels = ['hybrid k=2', 'hybrid k=4', 'hybrid k=8', 'mask-predict T=10', 'gone'];
    const placed = placeLabels(markers, labels, plot);
    expect(placed[4]).toBeNull();
    // Near the right edge a label reads leftwards from its point.
    expect(placed[3]).toMatchObject({ anchor: 'end', x: 289 });
    const boxes = placed.slice(0, 3).map((p, i) => ({ x0: p!.x, x1: p!.x + labels[i]!.length * 6, y: p!.y }));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(a.x0 < b.x1 && b.x0 < a.x1 && Math.abs(a.y - b.y) < 12).toBe(false);
  });

  it('counts a Chinese character twice as wide as a Latin one, so Chinese labels do not overlap either', () => {
    expect(labelWidth('hybrid k=2', 6)).toBe(60);
    expect(labelWidth('混合 k=2', 6)).toBe(2 * 12 + 4 * 6);
    const markers = [{ x: 100, y: 100 }, { x: 102, y: 101 }, { x: 270, y: 60 }];
    const labels = ['掩码预测 T=1', '掩码预测 T=2', '自回归 + 缓存'];
    const placed = placeLabels(markers, labels, plot);
    // Too wide to fit right of x = 270 (94 px), so it reads leftwards.
    expect(placed[2]).toMatchObject({ anchor: 'end' });
    const boxes = placed.slice(0, 2).map((p, i) => ({ x0: p!.x, x1: p!.x + labelWidth(labels[i]!, 6), y: p!.y }));
    expect(boxes[0]!.x0 < boxes[1]!.x1 && boxes[1]!.x0 < boxes[0]!.x1 && Math.abs(boxes[0]!.y - boxes[1]!.y) < 12).toBe(false);
  });
});

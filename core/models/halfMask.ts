import type { Rng } from '../rng.ts';
import type { MaskedBatch } from './maskPredict.ts';

/**
 * The fixed evaluation corruption of windows [B, T]: no prompt, the whole window, and exactly
 * ⌊T/2⌋ distinct positions of each row hidden (chosen with `rng`). Whatever masking a model
 * trained with, its loss under this corruption compares across recipes and runs.
 */
export function maskHalf(ids: Int32Array, batch: number, seq: number, maskId: number, rng: Rng): MaskedBatch {
  if (ids.length < batch * seq) throw new RangeError(`${ids.length} ids do not fill ${batch} windows of ${seq}`);
  const original = ids.slice(0, batch * seq);
  const masked = original.slice();
  const weight = new Float32Array(batch * seq);
  const hidden = Math.floor(seq / 2);
  for (let b = 0; b < batch; b++) {
    // Partial Fisher–Yates: `hidden` distinct positions of row b.
    const pos = Array.from({ length: seq }, (_, i) => i);
    for (let i = 0; i < hidden; i++) {
      const j = i + Math.floor(rng.next() * (seq - i));
      [pos[i], pos[j]] = [pos[j]!, pos[i]!];
      masked[b * seq + pos[i]!] = maskId;
      weight[b * seq + pos[i]!] = 1;
    }
  }
  return { masked, original, weight, batch, length: seq };
}

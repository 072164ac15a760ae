import type { Rng } from '../rng.ts';
import { hidePositions, type MaskedBatch } from './maskPredict.ts';

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
  for (let b = 0; b < batch; b++) hidePositions(masked, weight, b * seq, 0, seq, hidden, maskId, rng);
  return { masked, original, weight, batch, length: seq };
}

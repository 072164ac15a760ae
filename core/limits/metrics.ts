import { modeAnswer } from './tasks.ts';

/**
 * Scoring the Limits lab's outputs against the known answers. Pure.
 */

/** Share of positions where `output` equals `truth` (over truth's length; missing output counts wrong). */
export function accuracy(output: ArrayLike<unknown>, truth: ArrayLike<unknown>): number {
  if (truth.length === 0) return 1;
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (i < output.length && output[i] === truth[i]) right++;
  return right / truth.length;
}

/** Per position i, the share of rows whose value at i is right (`right[row][i]`); rows may be ragged. */
export function perPositionAccuracy(right: readonly (readonly boolean[])[], positions: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < positions; i++) {
    const n = right.length;
    out.push(n === 0 ? 0 : right.filter((r) => r[i] === true).length / n);
  }
  return out;
}

/** The first index at which `right` is false, or null when it never is. */
export function firstError(right: readonly boolean[]): number | null {
  const i = right.indexOf(false);
  return i < 0 ? null : i;
}

/**
 * Whether each chunk of `width` characters of `output` equals the same chunk of `truth` (one
 * answer per chunk: a number of a count, say). Chunks cut short count wrong.
 */
export function chunksRight(output: string, truth: string, width: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i + width <= truth.length; i += width) out.push(output.slice(i, i + width) === truth.slice(i, i + width));
  return out;
}

/** Which answer an output of the two-answer task is: 0, 1, or 'neither' (a mixture, or anything else). */
export function classifyAnswer(output: string, length: number): 0 | 1 | 'neither' {
  if (output === modeAnswer(0, length)) return 0;
  if (output === modeAnswer(1, length)) return 1;
  return 'neither';
}

/** Counts of each answer among `outputs`, and the share that is neither (the mix rate). */
export function mixCounts(outputs: readonly string[], length: number): { first: number; second: number; neither: number; mixRate: number } {
  let first = 0;
  let second = 0;
  for (const o of outputs) {
    const c = classifyAnswer(o, length);
    if (c === 0) first++;
    else if (c === 1) second++;
  }
  const neither = outputs.length - first - second;
  return { first, second, neither, mixRate: outputs.length ? neither / outputs.length : 0 };
}

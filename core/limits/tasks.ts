import { CharVocabulary } from '../data/vocabulary.ts';
import type { Rng } from '../rng.ts';

/**
 * The Limits lab's synthetic tasks: seeded generators whose right answers are known, so a
 * model's output can be scored exactly. Every text starts with START (a newline), the token
 * the app's generators start from (core/generate/autoregressive.ts startToken).
 */
export const START = '\n';

function pick(symbols: string, rng: Rng): string {
  return symbols[Math.floor(rng.next() * symbols.length)]!;
}

/** A uniform integer in [lo, hi]. */
export function randomInt(lo: number, hi: number, rng: Rng): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

// ---------------------------------------------------------------- copy (context length)

export const COPY_SYMBOLS = 'abcdefghijklmnop';
export const COPY_SEPARATOR = '|';

export function copyVocabulary(): CharVocabulary {
  return CharVocabulary.fromText(START + COPY_SEPARATOR + COPY_SYMBOLS);
}

/** A random string of `length` copy symbols. */
export function randomSource(length: number, rng: Rng): string {
  let s = '';
  for (let i = 0; i < length; i++) s += pick(COPY_SYMBOLS, rng);
  return s;
}

/** One copy example: START, the source, the separator, the source again (the part to predict). */
export function copyText(source: string): string {
  return `${START}${source}${COPY_SEPARATOR}${source}`;
}

/** Where the copied part of `copyText(source)` starts. */
export function copyStart(length: number): number {
  return length + 2;
}

/**
 * A training row of `width` characters: copy examples (source lengths uniform in
 * [minLength, maxLength]) one after another from the row's start, the last one cut off.
 */
export function copyRow(width: number, minLength: number, maxLength: number, rng: Rng): string {
  let row = '';
  while (row.length < width) row += copyText(randomSource(randomInt(minLength, maxLength, rng), rng));
  return row.slice(0, width);
}

/** For each character of a row of copy examples: 1 where it is part of a copy (what the model can know), else 0. */
export function copyWeights(row: string): Float32Array {
  const w = new Float32Array(row.length);
  let inCopy = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i];
    if (ch === START) inCopy = false;
    else if (ch === COPY_SEPARATOR) inCopy = true;
    else if (inCopy) w[i] = 1;
  }
  return w;
}

// ---------------------------------------------------------------- counting (error accumulation)

export const COUNT_DIGITS = 3;
/** Characters one number takes: its digits and the space after it. */
export const COUNT_WIDTH = COUNT_DIGITS + 1;

export function countingVocabulary(): CharVocabulary {
  return CharVocabulary.fromText(`${START} 0123456789`);
}

/** `count` numbers counting up from `start` (wrapping at 10^digits), zero-padded, each followed by a space. */
export function countingText(start: number, count: number, digits = COUNT_DIGITS): string {
  const modulus = 10 ** digits;
  let s = '';
  for (let i = 0; i < count; i++) s += `${String((start + i) % modulus).padStart(digits, '0')} `;
  return s;
}

/**
 * A training row of `width` characters from a count at a random start: a quarter of the rows
 * begin with START and a whole number (as a generation does), the rest at any character.
 */
export function countingRow(width: number, rng: Rng): string {
  const start = randomInt(0, 10 ** COUNT_DIGITS - 1, rng);
  const text = countingText(start, Math.ceil(width / COUNT_WIDTH) + 2);
  if (rng.next() < 0.25) return (START + text).slice(0, width);
  const offset = randomInt(0, COUNT_WIDTH - 1, rng);
  return text.slice(offset, offset + width);
}

// ---------------------------------------------------------------- two right answers (mixed modes)

/** The two answers' repeating units: every prompt may go on either way, with equal chance. */
export const MODE_UNITS = ['abc', 'xyz'] as const;
export const MODE_PROMPTS = '0123456789';

export function modesVocabulary(): CharVocabulary {
  return CharVocabulary.fromText(START + MODE_PROMPTS + MODE_UNITS.join(''));
}

/** The answer of mode 0 or 1 at `length` characters ("abcabca…" or "xyzxyzx…"). */
export function modeAnswer(mode: 0 | 1, length: number): string {
  const unit = MODE_UNITS[mode];
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

export interface ModesExample {
  /** One digit: the prompt (it does not decide the answer). */
  prompt: string;
  mode: 0 | 1;
  answer: string;
}

export function modesExample(length: number, rng: Rng): ModesExample {
  const prompt = pick(MODE_PROMPTS, rng);
  const mode = rng.next() < 0.5 ? 0 : 1;
  return { prompt, mode, answer: modeAnswer(mode, length) };
}

/** The whole text of an example: START, the prompt, the answer. */
export function modesText(e: Pick<ModesExample, 'prompt' | 'answer'>): string {
  return `${START}${e.prompt}${e.answer}`;
}

import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.ts';
import {
  COPY_SYMBOLS,
  copyRow,
  copyStart,
  copyText,
  copyVocabulary,
  copyWeights,
  countingRow,
  countingText,
  countingVocabulary,
  modeAnswer,
  modesExample,
  modesText,
  modesVocabulary,
  randomSource,
} from '../../../core/limits/tasks.ts';

describe('the copy task', () => {
  it('writes the source, the separator and the source again; the copy starts after the separator', () => {
    expect(copyText('abc')).toBe('\nabc|abc');
    expect(copyText('abc').slice(copyStart(3))).toBe('abc');
  });

  it('draws random sources from its symbols, the same for the same seed', () => {
    const a = randomSource(40, createRng(7));
    expect(a).toHaveLength(40);
    expect([...a].every((c) => COPY_SYMBOLS.includes(c))).toBe(true);
    expect(randomSource(40, createRng(7))).toBe(a);
    expect(randomSource(40, createRng(8))).not.toBe(a);
  });

  it('packs whole examples from a row start, each one a source and its copy', () => {
    const row = copyRow(200, 1, 5, createRng(3));
    expect(row).toHaveLength(200);
    expect(row.startsWith('\n')).toBe(true);
    const examples = row.split('\n').slice(1, -1); // the last one may be cut off
    expect(examples.length).toBeGreaterThan(5);
    for (const e of examples) {
      const [source, copy] = e.split('|');
      expect(source!.length).toBeGreaterThanOrEqual(1);
      expect(source!.length).toBeLessThanOrEqual(5);
      expect(copy).toBe(source);
    }
    expect(() => copyVocabulary().encode(row)).not.toThrow();
  });

  it('weighs exactly the copied characters', () => {
    expect([...copyWeights('\nab|ab\nc|c')]).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 1]);
  });
});

describe('the counting task', () => {
  it('counts up zero-padded, wrapping at 10^digits', () => {
    expect(countingText(41, 3)).toBe('041 042 043 ');
    expect(countingText(998, 3)).toBe('998 999 000 ');
    expect(countingText(41, 2, 4)).toBe('0041 0042 ');
  });

  it('cuts rows out of a count, each number one more than the one before', () => {
    const rng = createRng(5);
    for (let k = 0; k < 20; k++) {
      const row = countingRow(40, rng);
      expect(row).toHaveLength(40);
      const numbers = row.replace('\n', '').split(' ').slice(1, -1).map(Number);
      for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBe((numbers[i - 1]! + 1) % 1000);
      expect(() => countingVocabulary().encode(row)).not.toThrow();
    }
  });
});

describe('the two-answer task', () => {
  it('has two answers, each repeating its unit', () => {
    expect(modeAnswer(0, 7)).toBe('abcabca');
    expect(modeAnswer(1, 4)).toBe('xyzx');
  });

  it('gives each prompt either answer, about equally often, and the same for the same seed', () => {
    const rng = createRng(11);
    const examples = Array.from({ length: 400 }, () => modesExample(6, rng));
    const first = examples.filter((e) => e.mode === 0).length;
    expect(first).toBeGreaterThan(160);
    expect(first).toBeLessThan(240);
    for (const e of examples) {
      expect(e.answer).toBe(modeAnswer(e.mode, 6));
      expect(modesText(e)).toBe(`\n${e.prompt}${e.answer}`);
      expect(() => modesVocabulary().encode(modesText(e))).not.toThrow();
    }
    // The prompt does not decide the answer: some prompt has both.
    const both = [...new Set(examples.map((e) => e.prompt))].some((p) => new Set(examples.filter((e) => e.prompt === p).map((e) => e.mode)).size === 2);
    expect(both).toBe(true);
    const again = createRng(11);
    expect(Array.from({ length: 400 }, () => modesExample(6, again))).toEqual(examples);
  });
});

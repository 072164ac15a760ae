import { describe, expect, it } from 'vitest';
import { plainText } from '../../../core/protocol/plainText.ts';
import { shownRun } from '../../../renderer/src/lib/shownRun.ts';

describe('names from files are shown as plain text', () => {
  it('plainText drops escape sequences, C0/C1 controls and bidi overrides, keeping the words', () => {
    expect(plainText('poems\x1b[2J\x1b]0;pwned\x07 \x1b[1;31mred\x1b[0m\x07\u202eevil\u2066x\u2069\x9b31m')).toBe('poems redevilx');
    expect(plainText('a\tb\nc')).toBe('a b c');
    expect(plainText('a\tb\nc\x1b[K', { multiline: true })).toBe('a\tb\nc');
    expect(plainText('静夜思 — ünïcode ✓')).toBe('静夜思 — ünïcode ✓');
  });

  it('shownRun cleans a run’s name and dataset, and nothing else', () => {
    const run = { id: 'r1', name: 'n\x1b]0;t\x07ame', dataset: 'd\u202eata.txt', step: 3 };
    expect(shownRun(run)).toEqual({ id: 'r1', name: 'name', dataset: 'data.txt', step: 3 });
  });
});

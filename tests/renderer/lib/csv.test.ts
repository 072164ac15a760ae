import { describe, expect, it } from 'vitest';
import type { LaneResult } from '../../../core/protocol/messages.ts';
import { csvCell, csvTable } from '../../../renderer/src/lib/csv.ts';
import { raceCsv, scalingCsv } from '../../../renderer/src/lib/raceCsv.ts';

/** A reader for what csvTable writes (quoted cells with doubled quotes, line breaks inside). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += c;
  }
  return rows;
}

describe('CSV', () => {
  it('quotes only what needs it, and round-trips commas, quotes and line breaks', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(2.5)).toBe('2.5');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    const rows = [['x', 'Shall I,\ncompare "thee"'], ['y', '']];
    expect(parseCsv(csvTable(['k', 'v'], rows))).toEqual([['k', 'v'], ...rows]);
  });

  it('writes a race in finishing order with every figure and each lane’s text', () => {
    const lane = (l: LaneResult['lane'], finishOrder: number, text: string): LaneResult => ({
      lane: l,
      label: l,
      text,
      tokens: 12,
      steps: finishOrder * 3,
      wallMs: finishOrder * 10.5,
      tokensPerSec: 1000 / finishOrder,
      finishOrder,
      cancelled: false,
      nll: 2.5,
      perplexity: 12.2,
      repetition: 0.1,
      distinct1: 0.5,
      distinct2: 0.9,
    });
    const csv = raceCsv([lane('ar-cache', 2, 'the cat,\nsat'), lane('nar-1', 1, 'a "b"')], 'Shall ', { iterations: 4, draft: 4 });
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['finish', 'lane', 'steps', 'wall_ms', 'tokens_per_s', 'tokens', 'nll_per_token', 'perplexity', 'repetition', 'distinct_1', 'distinct_2', 'cancelled', 'prompt', 'text']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r.at(-2), r.at(-1)])).toEqual([
      ['1', 'NAR, one shot (T=1)', 'Shall ', 'a "b"'],
      ['2', 'AR + KV cache', 'Shall ', 'the cat,\nsat'],
    ]);
    expect(rows[1]![3]).toBe('10.5');
  });

  it('writes latency measurements by lane, then length', () => {
    const csv = scalingCsv(
      [
        { lane: 'nar-1', length: 32, ms: 2.5, steps: 1 },
        { lane: 'ar-cache', length: 32, ms: 4, steps: 32 },
        { lane: 'ar-cache', length: 16, ms: 2, steps: 16 },
      ],
      { iterations: 4, draft: 4 },
    );
    expect(parseCsv(csv)).toEqual([
      ['lane', 'length', 'ms', 'steps'],
      ['AR + KV cache', '16', '2', '16'],
      ['AR + KV cache', '32', '4', '32'],
      ['NAR, one shot (T=1)', '32', '2.5', '1'],
    ]);
  });
});

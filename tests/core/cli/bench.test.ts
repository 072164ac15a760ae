import { describe, expect, it } from 'vitest';
import { FIGURES, JOB_NAMES, meetsTarget, ratioToTarget, selectFigures } from '../../../core/cli/bench/figures.ts';
import { median } from '../../../core/cli/bench/measure.ts';
import { formatValue } from '../../../core/cli/bench/runBench.ts';
import { runCli, type CliIo } from '../../../core/cli/runCli.ts';

// The bench's plumbing (the measurements themselves run with `npm run bench`, not in npm test).

describe('ars bench figures', () => {
  it('lists every figure of issue 3, each measured by a known job', () => {
    expect(FIGURES.map((f) => f.id)).toEqual([
      'train.lstm',
      'train.rnn',
      'train.transformer',
      'train.nar',
      'train.pixelcnn',
      'sample.lstm',
      'sample.transformer.naive',
      'sample.transformer.kv',
      'sample.nar.t1',
      'sample.nar.t4',
      'sample.nar.t10',
      'sample.pixelcnn.naive',
      'sample.pixelcnn.fast',
      'sample.pixelcnn.batch16',
      'sample.vocab4k.lstm',
      'sample.vocab4k.transformer.kv',
      'sample.vocab4k.nar.t1',
    ]);
    for (const f of FIGURES) expect(JOB_NAMES).toContain(f.job);
    expect(FIGURES.filter((f) => f.target !== undefined)).toHaveLength(9);
  });

  it('--only selects by id, group or model, comma-separated, and rejects unknown names', () => {
    expect(selectFigures('lstm').map((f) => f.id)).toEqual(['train.lstm', 'sample.lstm', 'sample.vocab4k.lstm']);
    expect(selectFigures('vocab4k').map((f) => f.id)).toEqual(['sample.vocab4k.lstm', 'sample.vocab4k.transformer.kv', 'sample.vocab4k.nar.t1']);
    expect(selectFigures('train').map((f) => f.id)).toEqual(['train.lstm', 'train.rnn', 'train.transformer', 'train.nar', 'train.pixelcnn']);
    expect(selectFigures('sample.nar.t10').map((f) => f.id)).toEqual(['sample.nar.t10']);
    expect(selectFigures('rnn,pixelcnn').map((f) => f.id)).toEqual(['train.rnn', 'train.pixelcnn', 'sample.pixelcnn.naive', 'sample.pixelcnn.fast', 'sample.pixelcnn.batch16']);
    expect(selectFigures(undefined)).toHaveLength(FIGURES.length);
    expect(() => selectFigures('gpt5')).toThrow(/names no figure/);
  });

  it('compares with targets in the right direction', () => {
    const lstm = FIGURES.find((f) => f.id === 'train.lstm')!;
    const kv = FIGURES.find((f) => f.id === 'sample.transformer.kv')!;
    expect(meetsTarget(lstm, 16_000)).toBe(true);
    expect(meetsTarget(lstm, 14_000)).toBe(false);
    expect(ratioToTarget(lstm, 7_500)).toBeCloseTo(0.5);
    expect(meetsTarget(kv, 0.3)).toBe(true);
    expect(ratioToTarget(kv, 0.8)).toBeCloseTo(0.5);
    expect(meetsTarget(FIGURES.find((f) => f.id === 'sample.nar.t1')!, 5)).toBeNull();
  });

  it('medians and units', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(formatValue(15234.4, 'tokens/s')).toBe('15,234 tok/s');
    expect(formatValue(0.0613, 'ms/token')).toBe('0.061 ms/token');
    expect(formatValue(45.11, 'images/s')).toBe('45.1 img/s');
  });

  it('ars bench --help documents the options', async () => {
    let out = '';
    const io: CliIo = {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: () => true },
      env: {},
      cwd: process.cwd(),
      onInterrupt: () => () => undefined,
    };
    expect(await runCli(['bench', '--help'], io)).toBe(0);
    for (const flag of ['--only', '--json', '--compare', '--backend']) expect(out).toContain(flag);
    expect(await runCli(['bench', '--only', 'nothing-like-this'], { ...io, stderr: { write: () => true } })).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { FIGURES, JOB_NAMES, ratioToTorch, selectFigures } from '../../../core/cli/bench/figures.ts';
import { jobProfile, formatProfile } from '../../../core/cli/bench/profileTable.ts';
import { findTorchBench, torchArgs, torchSections, torchValue } from '../../../core/cli/bench/torchReference.ts';
import { median } from '../../../core/cli/bench/measure.ts';
import { DEFAULT_PIXELCNN_REACH, reachEstimate, reachLine } from '../../../core/cli/bench/pixelcnnReach.ts';
import { formatValue, torchTable, withTorch, type FigureReport } from '../../../core/cli/bench/runBench.ts';
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
      'train.pixelcnn.default',
      'train.maskedimage',
      'sample.lstm',
      'sample.transformer.naive',
      'sample.transformer.kv',
      'sample.nar.t1',
      'sample.nar.t4',
      'sample.nar.t10',
      'sample.pixelcnn.naive',
      'sample.pixelcnn.fast',
      'sample.pixelcnn.batch16',
      'sample.pixelcnn.default',
      'sample.vocab4k.lstm',
      'sample.vocab4k.transformer.kv',
      'sample.vocab4k.nar.t1',
    ]);
    for (const f of FIGURES) expect(JOB_NAMES).toContain(f.job);
    // Every figure but the default PixelCNN's, the masked image model's, the batch of 16 and the large-vocabulary ones has PyTorch's counterpart in the reference.
    expect(FIGURES.filter((f) => f.torch === undefined).map((f) => f.id)).toEqual([
      'train.pixelcnn.default',
      'train.maskedimage',
      'sample.pixelcnn.batch16',
      'sample.pixelcnn.default',
      'sample.vocab4k.lstm',
      'sample.vocab4k.transformer.kv',
      'sample.vocab4k.nar.t1',
    ]);
  });

  it('--only selects by id, group or model, comma-separated, and rejects unknown names', () => {
    expect(selectFigures('lstm').map((f) => f.id)).toEqual(['train.lstm', 'sample.lstm', 'sample.vocab4k.lstm']);
    expect(selectFigures('vocab4k').map((f) => f.id)).toEqual(['sample.vocab4k.lstm', 'sample.vocab4k.transformer.kv', 'sample.vocab4k.nar.t1']);
    expect(selectFigures('train').map((f) => f.id)).toEqual(['train.lstm', 'train.rnn', 'train.transformer', 'train.nar', 'train.pixelcnn', 'train.pixelcnn.default', 'train.maskedimage']);
    expect(selectFigures('sample.nar.t10').map((f) => f.id)).toEqual(['sample.nar.t10']);
    expect(selectFigures('rnn,pixelcnn').map((f) => f.id)).toEqual(['train.rnn', 'train.pixelcnn', 'train.pixelcnn.default', 'sample.pixelcnn.naive', 'sample.pixelcnn.fast', 'sample.pixelcnn.batch16', 'sample.pixelcnn.default']);
    expect(selectFigures(undefined)).toHaveLength(FIGURES.length);
    expect(() => selectFigures('gpt5')).toThrow(/names no figure/);
  });

  it('reads figures as ratios to PyTorch in the right direction', () => {
    const lstm = FIGURES.find((f) => f.id === 'train.lstm')!;
    const kv = FIGURES.find((f) => f.id === 'sample.transformer.kv')!;
    expect(ratioToTorch(lstm, 15_000, 30_000)).toBeCloseTo(0.5);
    expect(ratioToTorch(kv, 0.1, 0.4)).toBeCloseTo(4);
    expect(ratioToTorch(kv, 0.1, null)).toBeNull();
    expect(ratioToTorch(lstm, null, 30_000)).toBeNull();
  });

  it('takes PyTorch figures from the reference output and tabulates ours | PyTorch | ratio', () => {
    const figures = selectFigures('transformer,train.pixelcnn');
    expect(torchSections(figures)).toEqual(['gpt', 'pixelcnn']);
    expect(torchSections(selectFigures('sample.pixelcnn.batch16'))).toEqual([]);
    expect(torchArgs(selectFigures('train'))).toEqual(['--only', 'char_lstm,char_rnn_tanh,gpt,pixelcnn,nar', '--pix-px-b1', '8', '--pix-px-b16', '8']);
    expect(torchArgs(selectFigures('pixelcnn'))).toEqual(['--only', 'pixelcnn']);
    const out = { meta: {}, gpt: { train_tokens_per_s: 30_000, sample_naive_ms_per_token: 1.6, sample_kvcache_ms_per_token: 'x' }, pixelcnn: { train_images_per_s: 200 } };
    expect(torchValue(figures[0]!, out)).toBe(30_000);
    expect(torchValue(figures.find((f) => f.id === 'sample.transformer.kv')!, out)).toBeNull();
    const ours: Record<string, number> = { 'train.transformer': 15_000, 'train.pixelcnn': 200, 'train.pixelcnn.default': 150, 'sample.transformer.naive': 0.8, 'sample.transformer.kv': 0.1 };
    const reports: FigureReport[] = figures.map((f) => ({
      id: f.id, title: f.title, unit: f.unit, better: f.better, value: ours[f.id] ?? null,
      torch: null, ratio: null, meets: null, repeats: 5, detail: null, unavailable: null, peakRssBytes: null,
    }));
    const done = withTorch(reports, figures, out);
    expect(done.map((r) => [r.id, r.torch, r.ratio, r.meets])).toEqual([
      ['train.transformer', 30_000, 0.5, false],
      ['train.pixelcnn', 200, 1, true],
      ['train.pixelcnn.default', null, null, null],
      ['sample.transformer.naive', 1.6, 2, true],
      ['sample.transformer.kv', null, null, null],
      ['sample.vocab4k.transformer.kv', null, null, null],
    ]);
    const table = torchTable(done);
    expect(table).toMatch(/transformer training\s+15,000 tok\/s\s+30,000 tok\/s\s+0\.50×/);
    expect(table).toMatch(/pixelcnn training\s+200 img\/s\s+200 img\/s\s+1\.00× ✓/);
  });

  it('finds torch_bench.py in shared/bench above the repository, or where ARS_TORCH_BENCH says', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ars-torch-'));
    try {
      const repo = path.join(root, 'wt', 'repo');
      fs.mkdirSync(repo, { recursive: true });
      expect(findTorchBench({}, repo)).toBeNull();
      fs.mkdirSync(path.join(root, 'shared', 'bench'), { recursive: true });
      const script = path.join(root, 'shared', 'bench', 'torch_bench.py');
      fs.writeFileSync(script, '');
      expect(findTorchBench({}, repo)).toBe(script);
      expect(findTorchBench({ ARS_TORCH_BENCH: path.join(root, 'nope.py') }, repo)).toBeNull();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('turns a kernel profile into per-step shares and rates', () => {
    const stats = [
      { name: 'BatchMatMul', calls: 40, ms: 60, cpuMs: 100, bytes: 4e8, flops: 3e9, copyMs: 6, copyBytes: 2e8 },
      { name: 'Add', calls: 100, ms: 10, cpuMs: 10, bytes: 1e8, flops: 0, copyMs: 0, copyBytes: 0 },
    ];
    const p = jobProfile('train.transformer', stats, 10, 100);
    expect(p.stepMs).toBe(10);
    expect(p.rows[0]).toMatchObject({ kernel: 'BatchMatMul', callsPerStep: 4, msPerStep: 6, share: 0.6, copyMsPerStep: 0.6, gflopPerStep: 0.3, mbPerStep: 40 });
    expect(p.rows[0]!.gflops).toBeCloseTo(50);
    expect(p.rows[0]!.cpuGflops).toBeCloseTo(30);
    expect(p.rows[0]!.cpuMsPerStep).toBe(10);
    expect(p.rows[1]!.gflops).toBeNull();
    expect(p.outsideMs).toBeCloseTo(3);
    const text = formatProfile(p);
    expect(text).toContain('train.transformer: 10.0 ms/step over 10 steps');
    expect(text).toMatch(/BatchMatMul\s+4\s+6\.00\s+60\.0%\s+10\.00\s+90\.9%/);
    expect(text).toMatch(/\(outside kernels\)\s+3\.00\s+30\.0%/);
  });

  it('says how long the default PixelCNN trains here to reach its test NLL, from the measured step rate', () => {
    const e = reachEstimate(96)!;
    expect(e.minutes).toBeCloseTo((DEFAULT_PIXELCNN_REACH.steps * DEFAULT_PIXELCNN_REACH.batch) / 96 / 60, 6);
    expect(e.measuredNats).toBeLessThanOrEqual(e.targetNats);
    expect(reachEstimate(192)!.minutes).toBeCloseTo(e.minutes / 2, 6);
    expect(reachLine(e)).toContain(`~${e.minutes.toFixed(1)} min`);
    for (const none of [null, undefined, Number.NaN, 0]) expect(reachEstimate(none)).toBeNull();
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
    for (const flag of ['--only', '--json', '--compare', '--backend', '--torch', '--profile']) expect(out).toContain(flag);
    expect(await runCli(['bench', '--only', 'nothing-like-this'], { ...io, stderr: { write: () => true } })).toBe(2);
  });
});

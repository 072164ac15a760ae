/**
 * `ars bench`: measures the figures of issue 3 on the active backend; with `torch`, runs the
 * PyTorch reference right after and prints each figure beside PyTorch's from the same run, as a
 * ratio (issue 15). Every job runs in a child process (fork) so its peak resident memory is its
 * own; with `inProcess` they run here, one after another (peak memory is then cumulative).
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '../../tensor/backend.ts';
import { MEMORY_TARGET_BYTES, ratioToTorch, selectFigures, type FigureDef, type JobName } from './figures.ts';
import type { Measured } from './jobs.ts';
import { formatProfile, jobProfile, type JobProfile } from './profileTable.ts';
import { reachEstimate, reachLine, type ReachEstimate } from './pixelcnnReach.ts';
import { findTorchBench, runTorchBench, torchArgs, torchSections, torchValue, type TorchOutput } from './torchReference.ts';
import type { CompareWith, JobOutcome } from './runJob.ts';

export interface BenchOptions {
  json: boolean;
  /** Comma-separated figure names (see figures.ts `selects`). */
  only?: string;
  /** Backend rung to prefer (else ARS_BACKEND, else the ladder). */
  backend?: string;
  /** Run jobs in this process instead of one child each. */
  inProcess?: boolean;
  /**
   * Also measure each figure with the project's kernels switched off (the stock tfjs-wasm path
   * with the kernel fixes: the "before"), in the same process, and print the speed-up.
   */
  compare?: boolean;
  /** Like compare, but switch off only these kernels for the "before" (gemm, attention, …). */
  compareKernels?: readonly string[];
  /** Run the PyTorch reference right after, and print ratios to it. */
  torch?: boolean;
  /** Count time per kernel over the timed steps and print each job's profile. */
  profile?: boolean;
}

export interface BenchIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export interface FigureReport {
  id: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  value: number | null;
  /** PyTorch's figure from the same run (`torch`); null without it. */
  torch: number | null;
  /** To PyTorch's: ≥ 1 as fast or faster (value/torch, or torch/value where lower is better). */
  ratio: number | null;
  /** ratio ≥ 1; null without a ratio. */
  meets: boolean | null;
  repeats: number;
  detail: string | null;
  unavailable: string | null;
  /** Peak resident memory of the process that measured it. */
  peakRssBytes: number | null;
  /** With compare: the figure with the project's kernels off, and how many times better on is. */
  before?: number | null;
  speedup?: number | null;
}

export interface BenchReport {
  backend: string | null;
  device: string;
  cpu: string;
  cpuThreads: number;
  /** Threads the compute backend uses. */
  threads: number | null;
  backendNote: string | null;
  versions: Record<string, string>;
  figures: FigureReport[];
  peakRssBytes: number | null;
  memoryTargetBytes: number;
  seconds: number;
  errors: { job: string; error: string }[];
  /** With `torch`: the reference's script, its meta (machine, BLAS, threads), its run time or error. */
  torchReference?: { script: string | null; meta: Record<string, unknown> | null; seconds: number | null; error: string | null };
  /** With `profile`: time per kernel per training step, per job. */
  profiles?: JobProfile[];
  /** With the default PixelCNN's training figure: how long its training takes here to reach the test NLL of issue 17. */
  pixelCnnReach?: ReachEstimate;
}

const UNIT_SHORT: Record<string, string> = { 'tokens/s': 'tok/s', 'images/s': 'img/s' };

export function formatValue(value: number, unit: string): string {
  const short = UNIT_SHORT[unit] ?? unit;
  if (!Number.isFinite(value)) return '—';
  let digits: number;
  if (value >= 100) digits = 0;
  else if (value >= 10) digits = 1;
  else if (value >= 1) digits = 2;
  else digits = 3;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${short}`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

function childPath(): string {
  return fileURLToPath(new URL('./child.ts', import.meta.url));
}

/** Runs one job in a child process. */
function runInChild(job: JobName, backend: string | undefined, compare: CompareWith, profile: boolean): Promise<JobOutcome> {
  return new Promise((resolve) => {
    // The parent runs under tsx: its loader flags (in execArgv) let the child load .ts too.
    const execArgv = process.execArgv.length > 0 ? process.execArgv : ['--import', 'tsx'];
    const mode = compare === false ? '' : compare === 'all' ? 'all' : compare.join(',');
    const child = fork(childPath(), [job, backend ?? '', mode, profile ? 'profile' : ''], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let outcome: JobOutcome | null = null;
    child.on('message', (m) => (outcome = m as JobOutcome));
    child.on('error', (error) => resolve({ ok: false, job, error: error.message }));
    child.on('exit', (code, signal) => {
      resolve(outcome ?? { ok: false, job, error: `the bench process exited (${signal ?? `code ${code}`}) without a result` });
    });
  });
}

async function runHere(job: JobName, backend: string | undefined, compare: CompareWith, profile: boolean): Promise<JobOutcome> {
  const { runJob } = await import('./runJob.ts');
  try {
    return await runJob(job, backend, compare, profile);
  } catch (error) {
    return { ok: false, job, error: error instanceof Error ? error.message : String(error) };
  }
}

function figureReport(f: FigureDef, m: Measured | undefined, peak: number | null, failure: string | null, before?: Measured): FigureReport {
  const value = m && Number.isFinite(m.value) ? m.value : null;
  const was = before && Number.isFinite(before.value) ? before.value : null;
  const comparison =
    before === undefined
      ? {}
      : { before: was, speedup: value !== null && was !== null && value > 0 && was > 0 ? (f.better === 'higher' ? value / was : was / value) : null };
  return {
    ...comparison,
    id: f.id,
    title: f.title,
    unit: f.unit,
    better: f.better,
    value,
    torch: null,
    ratio: null,
    meets: null,
    repeats: m?.repeats ?? 0,
    detail: m?.detail ?? null,
    unavailable: failure ?? m?.unavailable ?? (m ? null : 'not measured'),
    peakRssBytes: peak,
  };
}

function header(info: BackendInfo | null): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const lines = [
    `ars bench — backend ${info?.backend ?? '?'} (${info?.rungs.find((r) => r.name === info.backend)?.reason ?? ''})`,
    `CPU ${cpu}, ${os.availableParallelism()} hardware threads; backend computes with ${info?.threads ?? '?'} thread(s)`,
    `versions: ${info ? Object.entries(info.versions).map(([k, v]) => `${k} ${v}`).join(', ') : '?'}`,
  ];
  return lines.join('\n');
}

const COLUMNS = { title: 32, value: 16, ratio: 10 };

function tableHead(compare: boolean): string {
  const extra = compare ? `${'kernels off'.padEnd(COLUMNS.value)}${'speed-up'.padEnd(COLUMNS.ratio)}` : '';
  return `${'figure'.padEnd(COLUMNS.title)}${'measured'.padEnd(COLUMNS.value)}${extra}peak RSS`;
}

function tableRow(f: FigureDef, r: FigureReport): string {
  const value = r.value === null ? `— ${r.unavailable ?? ''}` : formatValue(r.value, f.unit);
  const peak = r.peakRssBytes === null ? '' : mib(r.peakRssBytes);
  if (r.value === null) return `${f.title.padEnd(COLUMNS.title)}${value}`;
  const extra =
    r.before === undefined
      ? ''
      : `${(r.before === null ? '—' : formatValue(r.before, f.unit)).padEnd(COLUMNS.value)}${(r.speedup == null ? '' : `${r.speedup.toFixed(2)}×`).padEnd(COLUMNS.ratio)}`;
  return `${f.title.padEnd(COLUMNS.title)}${value.padEnd(COLUMNS.value)}${extra}${peak}`;
}

/** The back-to-back table: figure | ours | PyTorch | ratio (≥ 1: as fast or faster). */
export function torchTable(reports: readonly FigureReport[]): string {
  const lines = [`${'figure'.padEnd(COLUMNS.title)}${'ours'.padEnd(COLUMNS.value)}${'PyTorch'.padEnd(COLUMNS.value)}ratio`];
  for (const r of reports) {
    const ours = r.value === null ? '—' : formatValue(r.value, r.unit);
    const theirs = r.torch === null ? '—' : formatValue(r.torch, r.unit);
    const ratio = r.ratio === null ? '' : `${r.ratio.toFixed(2)}×${r.meets ? ' ✓' : ''}`;
    lines.push(`${r.title.padEnd(COLUMNS.title)}${ours.padEnd(COLUMNS.value)}${theirs.padEnd(COLUMNS.value)}${ratio}`);
  }
  return lines.join('\n');
}

/** Fills in PyTorch's figure, the ratio and whether it is met, from the reference's output. */
export function withTorch(reports: readonly FigureReport[], figures: readonly FigureDef[], out: TorchOutput | null): FigureReport[] {
  return reports.map((r) => {
    const f = figures.find((x) => x.id === r.id);
    const torch = f ? torchValue(f, out) : null;
    const ratio = f ? ratioToTorch(f, r.value, torch) : null;
    return { ...r, torch, ratio, meets: ratio === null ? null : ratio >= 1 };
  });
}

/** Runs the bench; resolves to the exit status (0, or 1 when a job failed). */
export async function runBench(options: BenchOptions, io: BenchIo): Promise<number> {
  const figures = selectFigures(options.only);
  const jobs = [...new Set(figures.map((f) => f.job))];
  const started = performance.now();
  let reports: FigureReport[] = [];
  const profiles: JobProfile[] = [];
  const errors: { job: string; error: string }[] = [];
  let info: BackendInfo | null = null;
  let peak: number | null = null;
  let printedHeader = false;
  for (const job of jobs) {
    const compare: CompareWith = options.compareKernels && options.compareKernels.length > 0 ? options.compareKernels : options.compare === true ? 'all' : false;
    const profile = options.profile === true;
    const outcome = options.inProcess ? await runHere(job, options.backend, compare, profile) : await runInChild(job, options.backend, compare, profile);
    const mine = figures.filter((f) => f.job === job);
    if (!outcome.ok) {
      errors.push({ job, error: outcome.error });
      io.stderr.write(`bench job ${job} failed: ${outcome.error}\n`);
      for (const f of mine) reports.push(figureReport(f, undefined, null, 'failed'));
    } else {
      info ??= outcome.backend;
      peak = Math.max(peak ?? 0, outcome.peakRssBytes);
      for (const f of mine) reports.push(figureReport(f, outcome.results[f.id], outcome.peakRssBytes, null, compare !== false ? (outcome.baseline?.[f.id] ?? { value: NaN, repeats: 0 }) : undefined));
      const timed = outcome.results[job];
      if (outcome.profile && timed?.totalMs !== undefined && timed.repeats > 0) profiles.push(jobProfile(job, outcome.profile, timed.repeats, timed.totalMs));
    }
    if (!options.json) {
      if (!printedHeader && info) {
        const comparing = options.compare === true || (options.compareKernels?.length ?? 0) > 0;
        if (options.compareKernels?.length) io.stdout.write(`(before: ${options.compareKernels.join(', ')} switched off)\n`);
        io.stdout.write(`${header(info)}\n\n${tableHead(comparing)}\n`);
        printedHeader = true;
      }
      if (printedHeader) for (const f of mine) io.stdout.write(`${tableRow(f, reports.find((r) => r.id === f.id)!)}\n`);
    }
  }
  let torchReference: BenchReport['torchReference'];
  if (options.torch) {
    const script = findTorchBench();
    const sections = torchSections(figures);
    if (script === null) {
      torchReference = { script: null, meta: null, seconds: null, error: 'torch_bench.py not found: set ARS_TORCH_BENCH, or keep shared/bench/ beside the repository' };
    } else if (sections.length > 0) {
      if (!options.json) io.stdout.write(`\nPyTorch reference (${script}, sections ${sections.join(',')}) …\n`);
      const run = await runTorchBench(script, torchArgs(figures), io.stderr);
      torchReference = { script, meta: run.output?.meta ?? null, seconds: run.seconds, error: run.error };
      reports = withTorch(reports, figures, run.output);
    }
    if (torchReference?.error) io.stderr.write(`PyTorch reference: ${torchReference.error}\n`);
  }
  const seconds = (performance.now() - started) / 1000;
  const reach = reachEstimate(reports.find((r) => r.id === 'train.pixelcnn.default')?.value);
  const report: BenchReport = {
    backend: info?.backend ?? null,
    device: info?.device ?? 'unknown',
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    cpuThreads: os.availableParallelism(),
    threads: info?.threads ?? null,
    backendNote: info?.rungs.find((r) => r.name === info.backend)?.reason ?? null,
    versions: info?.versions ?? {},
    figures: reports,
    peakRssBytes: peak,
    memoryTargetBytes: MEMORY_TARGET_BYTES,
    seconds,
    errors,
    ...(torchReference ? { torchReference } : {}),
    ...(options.profile ? { profiles } : {}),
    ...(reach ? { pixelCnnReach: reach } : {}),
  };
  if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    if (!printedHeader) io.stdout.write(`${header(info)}\n\n`);
    if (peak !== null) {
      const ok = peak <= MEMORY_TARGET_BYTES;
      io.stdout.write(`\nworker peak memory (largest job): ${mib(peak)} (target ≤ ${mib(MEMORY_TARGET_BYTES)})${ok ? ' ✓' : ''}\n`);
    }
    if (reach) io.stdout.write(`\n${reachLine(reach)}\n`);
    for (const p of profiles) io.stdout.write(`\n${formatProfile(p)}\n`);
    if (torchReference && !torchReference.error) {
      const meta = torchReference.meta ?? {};
      io.stdout.write(`\nBack to back with PyTorch ${String(meta.torch_version ?? '?')} (${String(meta.torch_num_threads_used ?? '?')} threads; ratio ≥ 1: as fast or faster):\n${torchTable(reports)}\n`);
      const compared = reports.filter((r) => r.ratio !== null);
      io.stdout.write(`${compared.filter((r) => r.meets).length} of ${compared.length} figures at or above PyTorch's; ${seconds.toFixed(0)} s\n`);
    } else io.stdout.write(`${seconds.toFixed(0)} s${options.torch ? '' : ' (ratios to PyTorch, measured right after: --torch)'}\n`);
  }
  return errors.length > 0 ? 1 : 0;
}

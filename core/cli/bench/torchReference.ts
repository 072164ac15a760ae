/**
 * The PyTorch reference of `ars bench --torch` (issue 15): `torch_bench.py` (kept beside the
 * project in `shared/bench/`, see its README) trains and samples the same models at the same
 * shapes in PyTorch on the CPU. Run right after our jobs, so both see the same machine load; the
 * figures are then read as ratios to it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TORCH_SECTIONS, type FigureDef, type TorchSection } from './figures.ts';

/** Debian's OpenBLAS with OpenMP (its default BLAS is the slow reference one; see the README). */
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
/** The Python that has Debian's python3-torch (a pyenv or venv `python3` first on PATH may not). */
const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Where torch_bench.py is: $ARS_TORCH_BENCH, else `shared/bench/torch_bench.py` in the repository
 * root or any folder above it (a worktree beside `shared/` finds `../shared/bench`). Null: not found.
 */
export function findTorchBench(env: NodeJS.ProcessEnv = process.env, from: string = repoRoot()): string | null {
  const explicit = env.ARS_TORCH_BENCH;
  if (explicit) return fs.existsSync(explicit) ? path.resolve(explicit) : null;
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'bench', 'torch_bench.py');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function repoRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** The reference's sections that report the given figures, in its own order. */
export function torchSections(figures: readonly FigureDef[]): TorchSection[] {
  const wanted = new Set(figures.flatMap((f) => (f.torch ? [f.torch.section] : [])));
  return TORCH_SECTIONS.filter((s) => wanted.has(s));
}

/**
 * The reference's arguments for these figures: its sections, and, when no PixelCNN sampling
 * figure is asked for, a few timed pixels instead of whole images (it scales the time up to 784
 * pixels; a whole naive image is minutes of a loaded machine that nobody reads).
 */
export function torchArgs(figures: readonly FigureDef[]): string[] {
  const args = ['--only', torchSections(figures).join(',')];
  const samplesImages = figures.some((f) => f.torch?.section === 'pixelcnn' && f.torch.key.startsWith('sample_'));
  if (!samplesImages) args.push('--pix-px-b1', '8', '--pix-px-b16', '8');
  return args;
}

/** torch_bench.py's output: `meta` and one object of figures per section. */
export type TorchOutput = { meta?: Record<string, unknown> } & Partial<Record<TorchSection, Record<string, unknown>>>;

/** PyTorch's value of the figure in `out`, or null when it has none there. */
export function torchValue(f: FigureDef, out: TorchOutput | null): number | null {
  if (!f.torch || !out) return null;
  const v = out[f.torch.section]?.[f.torch.key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface TorchRun {
  script: string;
  output: TorchOutput | null;
  error: string | null;
  seconds: number;
}

/**
 * Runs the reference with `args` (torchArgs; its progress goes to `stderr`); never throws: a missing
 * script, Python or torch gives `error`. $ARS_TORCH_PYTHON picks the interpreter.
 */
export function runTorchBench(script: string, args: readonly string[], stderr: { write(chunk: string): unknown }, env: NodeJS.ProcessEnv = process.env): Promise<TorchRun> {
  const python = env.ARS_TORCH_PYTHON ?? (fs.existsSync(SYSTEM_PYTHON) ? SYSTEM_PYTHON : 'python3');
  const childEnv = { ...env };
  if (childEnv.LD_LIBRARY_PATH === undefined && fs.existsSync(OPENBLAS_DIR)) childEnv.LD_LIBRARY_PATH = OPENBLAS_DIR;
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (output: TorchOutput | null, error: string | null) => resolve({ script, output, error, seconds: (performance.now() - started) / 1000 });
    const child = spawn(python, [script, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => stderr.write(c.toString()));
    child.on('error', (e) => done(null, `${python}: ${e.message}`));
    child.on('close', (code) => {
      if (code !== 0) return done(null, `${python} ${path.basename(script)} exited with code ${code}`);
      try {
        done(JSON.parse(out) as TorchOutput, null);
      } catch {
        done(null, `${path.basename(script)} printed no JSON object`);
      }
    });
  });
}

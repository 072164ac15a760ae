/**
 * The figures `ars bench` measures (issue 3), their targets, and the jobs that measure them.
 * Pure data: no tfjs here, so `ars bench --help` and the parent process stay light.
 */
import { UsageError } from '../exitStatus.ts';

export type Better = 'higher' | 'lower';

export interface FigureDef {
  /** Stable id, e.g. 'train.lstm'; `--only` matches it or any of its dot-separated parts. */
  id: string;
  title: string;
  unit: string;
  better: Better;
  /** The target on the reference machine (PyTorch 1.13 CPU speed); absent: no target. */
  target?: number;
  /** A reference figure without a target (e.g. PyTorch's naive time). */
  reference?: string;
  /** The job (one child process) that measures it; a job can measure several figures. */
  job: JobName;
}

export const JOB_NAMES = [
  'train.lstm',
  'train.rnn',
  'train.transformer',
  'train.nar',
  'train.pixelcnn',
  'sample.lstm',
  'sample.transformer',
  'sample.nar',
  'sample.pixelcnn',
  'sample.vocab4k',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const FIGURES: readonly FigureDef[] = [
  { id: 'train.lstm', title: 'lstm training', unit: 'tokens/s', better: 'higher', target: 15_000, job: 'train.lstm' },
  { id: 'train.rnn', title: 'rnn training', unit: 'tokens/s', better: 'higher', target: 60_000, job: 'train.rnn' },
  { id: 'train.transformer', title: 'transformer training', unit: 'tokens/s', better: 'higher', target: 20_000, job: 'train.transformer' },
  { id: 'train.nar', title: 'nar training', unit: 'tokens/s', better: 'higher', target: 22_000, job: 'train.nar' },
  { id: 'train.pixelcnn', title: 'pixelcnn training', unit: 'images/s', better: 'higher', target: 95, job: 'train.pixelcnn' },
  { id: 'sample.lstm', title: 'lstm sampling', unit: 'ms/token', better: 'lower', target: 0.12, job: 'sample.lstm' },
  {
    id: 'sample.transformer.naive',
    title: 'transformer sampling, naive',
    unit: 'ms/token',
    better: 'lower',
    reference: 'PyTorch 1.6',
    job: 'sample.transformer',
  },
  { id: 'sample.transformer.kv', title: 'transformer sampling, KV cache', unit: 'ms/token', better: 'lower', target: 0.4, job: 'sample.transformer' },
  { id: 'sample.nar.t1', title: 'nar, T=1, 64 tokens', unit: 'ms', better: 'lower', job: 'sample.nar' },
  { id: 'sample.nar.t4', title: 'nar, T=4, 64 tokens', unit: 'ms', better: 'lower', job: 'sample.nar' },
  { id: 'sample.nar.t10', title: 'nar, T=10, 64 tokens', unit: 'ms', better: 'lower', target: 12, job: 'sample.nar' },
  {
    id: 'sample.pixelcnn.naive',
    title: 'pixelcnn, one image, naive',
    unit: 's',
    better: 'lower',
    reference: 'PyTorch 3.1',
    job: 'sample.pixelcnn',
  },
  { id: 'sample.pixelcnn.fast', title: 'pixelcnn, one image, fast', unit: 's', better: 'lower', target: 0.3, job: 'sample.pixelcnn' },
  { id: 'sample.pixelcnn.batch16', title: 'pixelcnn, batch of 16, fast', unit: 's', better: 'lower', job: 'sample.pixelcnn' },
  // A 4,000-character vocabulary (Chinese text): largeVocabSampling.ts.
  { id: 'sample.vocab4k.lstm', title: 'lstm sampling, vocab 4000', unit: 'ms/token', better: 'lower', job: 'sample.vocab4k' },
  { id: 'sample.vocab4k.transformer.kv', title: 'transformer KV, vocab 4000', unit: 'ms/token', better: 'lower', job: 'sample.vocab4k' },
  { id: 'sample.vocab4k.nar.t1', title: 'nar, T=1, 64 tok, vocab 4000', unit: 'ms', better: 'lower', job: 'sample.vocab4k' },
];

/** The memory target: worker peak resident memory in any job. */
export const MEMORY_TARGET_BYTES = 1024 ** 3;

/** Whether `name` selects figure `id`: equal, a dot-prefix of it, or one of its parts. */
export function selects(name: string, id: string): boolean {
  const n = name.trim().toLowerCase();
  if (n === '' || n === 'all') return true;
  return id === n || id.startsWith(`${n}.`) || id.split('.').includes(n);
}

/** The figures named by `--only` (comma-separated names); all when none. Throws on a name that selects nothing. */
export function selectFigures(only: string | undefined): FigureDef[] {
  if (only === undefined) return [...FIGURES];
  const names = only.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const chosen = new Set<FigureDef>();
  for (const name of names) {
    const matched = FIGURES.filter((f) => selects(name, f.id) || selects(name, f.job));
    if (matched.length === 0) {
      throw new UsageError(`--only ${name} names no figure; figures: ${FIGURES.map((f) => f.id).join(', ')}`);
    }
    for (const f of matched) chosen.add(f);
  }
  return FIGURES.filter((f) => chosen.has(f));
}

/** Whether `value` meets the figure's target (null when it has none). */
export function meetsTarget(f: FigureDef, value: number): boolean | null {
  if (f.target === undefined || !Number.isFinite(value)) return f.target === undefined ? null : false;
  return f.better === 'higher' ? value >= f.target : value <= f.target;
}

/** How far the value is from the target, as a factor ≥ 1 meaning "meets it" (value/target, or target/value for lower-is-better). */
export function ratioToTarget(f: FigureDef, value: number): number | null {
  if (f.target === undefined || !Number.isFinite(value) || value <= 0) return null;
  return f.better === 'higher' ? value / f.target : f.target / value;
}

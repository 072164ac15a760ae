/**
 * The figures `ars bench` measures (issue 3), where the PyTorch reference reports the same figure
 * (issue 15: figures are read as ratios to PyTorch measured back to back), and the jobs that
 * measure them. Pure data: no tfjs here, so `ars bench --help` and the parent process stay light.
 */
import { UsageError } from '../exitStatus.ts';

export type Better = 'higher' | 'lower';

/** Sections of the PyTorch reference (`torch_bench.py --only`). */
export const TORCH_SECTIONS = ['char_lstm', 'char_rnn_tanh', 'gpt', 'pixelcnn', 'nar'] as const;
export type TorchSection = (typeof TORCH_SECTIONS)[number];

/** Where the PyTorch reference reports the same figure: `json[section][key]`, in the same unit. */
export interface TorchRef {
  section: TorchSection;
  key: string;
}

export interface FigureDef {
  /** Stable id, e.g. 'train.lstm'; `--only` matches it or any of its dot-separated parts. */
  id: string;
  title: string;
  unit: string;
  better: Better;
  /** The same figure in the PyTorch reference (`ars bench --torch` runs it right after ours). */
  torch?: TorchRef;
  /** The job (one child process) that measures it; a job can measure several figures. */
  job: JobName;
}

export const JOB_NAMES = [
  'train.lstm',
  'train.rnn',
  'train.transformer',
  'train.nar',
  'train.pixelcnn',
  'train.pixelcnn.default',
  'train.maskedimage',
  'sample.lstm',
  'sample.transformer',
  'sample.nar',
  'sample.pixelcnn',
  'sample.pixelcnn.default',
  'sample.vocab4k',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

const torch = (section: TorchSection, key: string): TorchRef => ({ section, key });

export const FIGURES: readonly FigureDef[] = [
  { id: 'train.lstm', title: 'lstm training', unit: 'tokens/s', better: 'higher', torch: torch('char_lstm', 'train_tokens_per_s'), job: 'train.lstm' },
  { id: 'train.rnn', title: 'rnn training', unit: 'tokens/s', better: 'higher', torch: torch('char_rnn_tanh', 'train_tokens_per_s'), job: 'train.rnn' },
  { id: 'train.transformer', title: 'transformer training', unit: 'tokens/s', better: 'higher', torch: torch('gpt', 'train_tokens_per_s'), job: 'train.transformer' },
  { id: 'train.nar', title: 'nar training', unit: 'tokens/s', better: 'higher', torch: torch('nar', 'train_tokens_per_s'), job: 'train.nar' },
  { id: 'train.pixelcnn', title: 'pixelcnn training', unit: 'images/s', better: 'higher', torch: torch('pixelcnn', 'train_images_per_s'), job: 'train.pixelcnn' },
  // The default PixelCNN (deeper and narrower than PyTorch's shape; no PyTorch counterpart): its
  // step time says how long the default training takes to reach its test NLL (pixelcnnReach.ts).
  { id: 'train.pixelcnn.default', title: 'pixelcnn training, default shape', unit: 'images/s', better: 'higher', job: 'train.pixelcnn.default' },
  // The Image race's non-autoregressive model (default shape, random known-masks); no PyTorch counterpart.
  { id: 'train.maskedimage', title: 'masked image training', unit: 'images/s', better: 'higher', job: 'train.maskedimage' },
  { id: 'sample.lstm', title: 'lstm sampling', unit: 'ms/token', better: 'lower', torch: torch('char_lstm', 'sample_ms_per_token'), job: 'sample.lstm' },
  { id: 'sample.transformer.naive', title: 'transformer sampling, naive', unit: 'ms/token', better: 'lower', torch: torch('gpt', 'sample_naive_ms_per_token'), job: 'sample.transformer' },
  { id: 'sample.transformer.kv', title: 'transformer sampling, KV cache', unit: 'ms/token', better: 'lower', torch: torch('gpt', 'sample_kvcache_ms_per_token'), job: 'sample.transformer' },
  { id: 'sample.nar.t1', title: 'nar, T=1, 64 tokens', unit: 'ms', better: 'lower', torch: torch('nar', 'gen64_T1_ms_per_seq'), job: 'sample.nar' },
  { id: 'sample.nar.t4', title: 'nar, T=4, 64 tokens', unit: 'ms', better: 'lower', torch: torch('nar', 'gen64_T4_ms_per_seq'), job: 'sample.nar' },
  { id: 'sample.nar.t10', title: 'nar, T=10, 64 tokens', unit: 'ms', better: 'lower', torch: torch('nar', 'gen64_T10_ms_per_seq'), job: 'sample.nar' },
  // PyTorch's one-image figure is its naive sampler (one full pass per pixel); the fast path is
  // compared with the same figure: what a PyTorch user of this model would wait.
  { id: 'sample.pixelcnn.naive', title: 'pixelcnn, one image, naive', unit: 's', better: 'lower', torch: torch('pixelcnn', 'sample_s_per_image_b1'), job: 'sample.pixelcnn' },
  { id: 'sample.pixelcnn.fast', title: 'pixelcnn, one image, fast', unit: 's', better: 'lower', torch: torch('pixelcnn', 'sample_s_per_image_b1'), job: 'sample.pixelcnn' },
  { id: 'sample.pixelcnn.batch16', title: 'pixelcnn, batch of 16, fast', unit: 's', better: 'lower', job: 'sample.pixelcnn' },
  { id: 'sample.pixelcnn.default', title: 'pixelcnn default, one image, fast', unit: 's', better: 'lower', job: 'sample.pixelcnn.default' },
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

/**
 * The figure against PyTorch's from the same run, as a factor where ≥ 1 means as fast or faster
 * (ours/theirs for throughputs, theirs/ours for times); null without both values.
 */
export function ratioToTorch(f: FigureDef, value: number | null, torchValue: number | null): number | null {
  if (value === null || torchValue === null || !Number.isFinite(value) || !Number.isFinite(torchValue) || value <= 0 || torchValue <= 0) return null;
  return f.better === 'higher' ? value / torchValue : torchValue / value;
}

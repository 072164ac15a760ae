import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { BUILTIN_CORPORA } from '../data/source.ts';
import { BUILTIN_IMAGE_SETS } from '../data/imageSource.ts';
import { IMAGE_PIXELS, IMAGE_SIDE, encodePng, imageGrid } from '../data/imageSet.ts';
import { pngToBinary } from '../data/pngImage.ts';
import { PixelSampleOptions, type PixelSampleOptionsInput } from '../generate/pixelcnnOptions.ts';
import { DEFAULT_PIXELCNN_CONFIG } from '../models/pixelcnnConfig.ts';
import type { PositionEncoding } from '../models/positionEncoding.ts';
import { ImageTrainConfig, type ImageTrainConfigInput } from '../train/imageConfig.ts';
import { RaceOptions, SampleOptions, type SampleOptionsInput } from '../generate/options.ts';
import { WorkerError, type WorkerClient } from '../protocol/client.ts';
import { MAX_RUN_ARCHIVE_BYTES, type JobEvent, type LaneResult, type ProgressEvent } from '../protocol/messages.ts';
import { RUN_ARCHIVE_SUFFIX } from '../runs/archiveName.ts';
import { TrainConfig, type TrainConfigInput } from '../train/config.ts';
import type { StudioLike } from '../worker/dispatcher.ts';
import { resolveStudioHome } from '../worker/home.ts';
import { createInProcessClient } from '../worker/inProcess.ts';
import type { StudioOptions } from '../worker/studio.ts';
import { isLoopbackHost, startWebServer, type WebServer } from '../worker/webServer.ts';
import type { WorkerSupervisor } from '../worker/workerProcess.ts';
import { formatBytes, formatDuration, formatLoss, formatRunDetail, formatProgressLine, formatRaceTable, formatRunsTable } from './format.ts';

type RaceOptionsInput = z.input<typeof RaceOptions>;

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a Ctrl-C handler; returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
  /** Builds the Studio; default: the real one from core/worker/studio.ts. */
  createStudio?: (options: StudioOptions) => StudioLike | Promise<StudioLike>;
  /** The built renderer for `serve`; default <repo>/out/renderer. */
  staticDir?: string;
}

/** Exit statuses. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Values = Record<string, string | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  summary: string;
  help: string;
  options: Options;
  run(values: Values, io: CliIo): Promise<number>;
}

/** String-valued flags by name, for parseArgs. */
function stringFlags(...names: string[]): Options {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
}

const STUDIO_OPTIONS: Options = {
  ...stringFlags('runs-dir', 'backend'),
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const STUDIO_HELP = `  --runs-dir DIR      where runs are kept (default: $ARS_HOME, else ~/.autoregressive-studio)
  --backend NAME      compute backend, e.g. cpu, wasm (default: $ARS_BACKEND, else the best available)
  --json              machine-readable output
  -h, --help          show this help`;

const LOG_INTERVAL_MS = 30_000;

const MODEL_DEFAULTS = { embedding: 64, hidden: 256, layers: 1 } as const;
const TRANSFORMER_DEFAULTS = { dModel: 128, heads: 4, layers: 2, ffn: 512 } as const;

const COMMANDS: Record<string, Command> = {
  train: {
    summary: 'train a new character-level model',
    help: `Usage: ars train --model lstm|gru|rnn|transformer|nar|pixelcnn --data sonnets|mnist|PATH --steps N [options]

Trains a new run and shows its progress. Ctrl-C cancels (the run keeps its last checkpoint).
On a terminal, what the model writes after each validation is printed above the progress bar.

  --model NAME        lstm, gru or rnn (recurrent), transformer (causal, autoregressive),
                      nar (mask-predict Transformer, non-autoregressive), or pixelcnn (images)
  --data SOURCE       a built-in corpus (${BUILTIN_CORPORA.join(', ')}) or the path of a UTF-8 text file
                      (write ./NAME for a file named like a built-in corpus)
  --steps N           training steps
  --batch N           sequences per batch (default 32)
  --seq N             characters per sequence (default 64)
  --hidden N          hidden units per layer (default ${MODEL_DEFAULTS.hidden})
  --embedding N       embedding size (default ${MODEL_DEFAULTS.embedding})
  --layers N          layers: recurrent 1-3 (default ${MODEL_DEFAULTS.layers}), Transformer (default ${TRANSFORMER_DEFAULTS.layers})
  --d-model N         Transformer width (default ${TRANSFORMER_DEFAULTS.dModel})
  --heads N           attention heads (default ${TRANSFORMER_DEFAULTS.heads})
  --ffn N             feed-forward width (default ${TRANSFORMER_DEFAULTS.ffn})
  --context N         Transformer context length (default: --seq)
  --positions NAME    nar position encoding: learned (default), sinusoidal or learnedSinusoidal
  --channels N        PixelCNN feature maps (default 64)
  --blocks N          PixelCNN masked 3×3 residual layers (default 5)
  --lr X              peak learning rate (default 0.003)
  --name TEXT         a name for the run
${STUDIO_HELP}

With --json: one JSON progress event a line, then { "runId", "step", "trainLoss", "valLoss", "state" }.`,
    options: {
      ...stringFlags('model', 'data', 'steps', 'batch', 'seq', 'hidden', 'embedding', 'layers', 'd-model', 'heads', 'ffn', 'context', 'positions', 'channels', 'blocks', 'lr', 'name'),
      ...STUDIO_OPTIONS,
    },
    run: train,
  },
  resume: {
    summary: 'continue training a run',
    help: `Usage: ars resume --run ID [--steps EXTRA] [options]

Continues a run from its last checkpoint, up to its planned steps plus EXTRA.

  --run ID            the run to continue (see ars runs)
  --steps EXTRA       steps to add to the run's plan (default 0)
${STUDIO_HELP}`,
    options: { run: { type: 'string' }, steps: { type: 'string' }, ...STUDIO_OPTIONS },
    run: resume,
  },
  sample: {
    summary: 'generate text from a trained run',
    help: `Usage: ars sample --run ID --length N [options]

Streams generated text to stdout as it is produced (after the prompt, if any).

  --run ID            the run to sample from (see ars runs)
  --length N          characters to generate
  --temperature X     0 is greedy, 1 samples the model as is (default 1)
  --top-k N           keep only the N most likely characters; 0 is off (default 0)
  --top-p X           keep the smallest set of characters with this much probability; 1 is off (default 1)
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --iterations T      mask-predict passes for a nar run (default 4)
${STUDIO_HELP}

PixelCNN runs: ars sample --run ID --samples K --out grid.png [--seed N] [--method fast|band|naive]
draws K images and writes them side by side as a PNG.

With --json: one line { "runId", "prompt", "text", "tokens", "probs", "state", "summary" } at the end.`,
    options: {
      ...stringFlags('run', 'length', 'temperature', 'top-k', 'top-p', 'prompt', 'seed', 'iterations', 'samples', 'out', 'method'),
      ...STUDIO_OPTIONS,
    },
    run: sample,
  },
  race: {
    summary: 'race AR and NAR generation side by side and compare them',
    help: `Usage: ars race --ar RUN --nar RUN --length N [options]

Generates with every strategy from one prompt, length and seed — AR naive, AR + KV cache,
NAR one shot, NAR mask-predict (T passes) and the hybrid (NAR drafts, AR verifies) — and
reports each lane's text, sequential steps, wall time, tokens/s, and quality under the AR
model: NLL per token, perplexity, repeated-token rate, distinct-1/2.

  --ar RUN            a trained transformer run (autoregressive)
  --nar RUN           a trained nar run on the same text
  --length N          tokens to generate
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --temperature X     0 is greedy (default 1)
  --top-k N, --top-p X as for ars sample
  --iterations T      mask-predict passes for the NAR T=k lane (default 4)
  --draft K           tokens the NAR model drafts per hybrid round (default 4)
${STUDIO_HELP}`,
    options: {
      ...stringFlags('ar', 'nar', 'length', 'prompt', 'seed', 'temperature', 'top-k', 'top-p', 'iterations', 'draft'),
      ...STUDIO_OPTIONS,
    },
    run: race,
  },
  complete: {
    summary: 'complete a partly drawn image with a PixelCNN run',
    help: `Usage: ars complete --run ID --image partial.png [--known mask.png | --rows R] --samples K --out out.png [options]

Keeps the known pixels of the image and draws the others, pixel by pixel in raster order,
K times; writes the K completions side by side as a PNG and prints each one's NLL.

  --run ID            a trained pixelcnn run
  --image FILE        the partial image (PNG, any size or colour: made 28×28 black and white)
  --known FILE        a PNG mask: white where the image's pixels are known
  --rows R            known = the top R rows (default 14, when --known is not given)
  --samples K         completions to draw (default 4)
  --out FILE          the PNG to write
  --seed N            random seed (default 1)
  --method NAME       fast (default), band or naive: the same pixels, at different speeds
${STUDIO_HELP}`,
    options: {
      ...stringFlags('run', 'image', 'known', 'rows', 'samples', 'out', 'seed', 'method'),
      ...STUDIO_OPTIONS,
    },
    run: complete,
  },
  runs: {
    summary: 'list runs',
    help: `Usage: ars runs [options]

Lists the runs in the runs folder.

${STUDIO_HELP}`,
    options: STUDIO_OPTIONS,
    run: runs,
  },
  show: {
    summary: 'show one run: settings, losses at each validation, what it wrote last',
    help: `Usage: ars show --run ID [options]

Shows a run in full: its state, model and data, its losses at the last validations, and the
text its model wrote after the newest one. With --json: the record the Runs view gets (metrics
included; a long run's thinned to a few thousand, every validation kept).

  --run ID            the run (see ars runs)
${STUDIO_HELP}`,
    options: { ...stringFlags('run'), ...STUDIO_OPTIONS },
    run: showRun,
  },
  delete: {
    summary: 'delete a run and its checkpoints',
    help: `Usage: ars delete --run ID --yes [options]

Deletes a run's folder (settings, metrics, checkpoints). A run that is training is refused.
--yes is required: nothing asks again.

  --run ID            the run (see ars runs)
  --yes               really delete it
${STUDIO_HELP}`,
    options: { ...stringFlags('run'), yes: { type: 'boolean' }, ...STUDIO_OPTIONS },
    run: deleteRun,
  },
  export: {
    summary: 'save a run as one file, to keep or to move to another machine',
    help: `Usage: ars export --run ID [--out FILE] [options]

Writes the run (settings, metrics, training data, checkpoints) to one .tgz archive, which
ars import (or the Runs view) takes back in. Damaged checkpoints are left out, with a warning.

  --run ID            the run (see ars runs)
  --out FILE          where to write it (default: ./ID${RUN_ARCHIVE_SUFFIX})
${STUDIO_HELP}`,
    options: { ...stringFlags('run', 'out'), ...STUDIO_OPTIONS },
    run: exportRun,
  },
  import: {
    summary: 'add a run from an exported archive',
    help: `Usage: ars import --archive FILE [options]

Adds the run in an archive made by ars export (or the Runs view), under a new id if its own is
taken. Every part is checked first; on any problem nothing is added.

  --archive FILE      the .tgz archive
${STUDIO_HELP}`,
    options: { ...stringFlags('archive'), ...STUDIO_OPTIONS },
    run: importRun,
  },
  info: {
    summary: 'show the compute backend and why it was chosen',
    help: `Usage: ars info [options]

Shows the backend, the device, and why each other rung of the backend ladder was passed over.

${STUDIO_HELP}`,
    options: STUDIO_OPTIONS,
    run: info,
  },
  bench: {
    summary: 'measure training and sampling speed against the targets',
    help: `Usage: ars bench [--only NAME[,NAME…]] [--compare | --compare-kernels K] [--json] [--backend NAME]

Measures training throughput and sampling latency of every model family on the active backend
(random data of fixed shapes, after warm-up, the median of repeats) and prints each figure beside
its target, with the peak resident memory of the process that measured it. Takes a few minutes.

  --only NAMES        only these figures: an id (train.lstm, sample.nar.t10), a group (train,
                      sample) or a model (lstm, rnn, transformer, nar, pixelcnn); comma-separated
  --backend NAME      compute backend, e.g. wasm, cpu (default: $ARS_BACKEND, else the best available)
  --in-process        run every job in this process (default: one child process each)
  --compare           also measure each figure with the project's kernels off (the stock
                      tfjs-wasm path) in the same process, and print the speed-up (slower)
  --compare-kernels K like --compare, but switch off only kernels K (comma-separated: gemm,
                      basic, conv, layernorm, gelu, attention, crossentropy, adam, rnn, decoders)
  --json              machine-readable output
  -h, --help          show this help`,
    options: {
      ...stringFlags('only', 'backend'),
      'in-process': { type: 'boolean' },
      compare: { type: 'boolean' },
      'compare-kernels': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    run: bench,
  },
  serve: {
    summary: 'open the studio in a web browser (web mode)',
    help: `Usage: ars serve [--host H] [--port P] [options]

Serves the studio on this machine and prints the address to open, with its access token.
Build the page first: npm run web does both.

The worker (training, sampling, the runs) runs in a child process; if it dies it is started
again, connected pages reconnect, and runs it was training show as interrupted (resume them).
Files named by path are read only from DIR/datasets (uploads from the page work anywhere).

  --host H            interface to listen on (default 127.0.0.1). Anything else lets other
                      machines reach the studio: anyone with the address can train and read runs.
  --port P            port (default: any free port)
  --runs-dir DIR      where runs are kept (default: $ARS_HOME, else ~/.autoregressive-studio)
  --backend NAME      compute backend (default: $ARS_BACKEND, else the best available)
  --in-process        run the worker inside this process (no restart if it crashes)
  -h, --help          show this help`,
    options: {
      ...stringFlags('host', 'port', 'runs-dir', 'backend'),
      'in-process': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    run: serve,
  },
};

function overallHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `ars: Autoregressive Studio from the command line

Usage: ars <command> [options]

Commands:
${list}

Run ars <command> --help for a command's options.
Environment: ARS_HOME (runs folder), ARS_BACKEND (backend), ARS_DEBUG=1 (stack traces on errors).`;
}

/** Runs one `ars` command line; resolves to the exit status. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) {
      io.stderr.write(`${overallHelp()}\n`);
      return EXIT_USAGE;
    }
    if (name === '--help' || name === '-h') {
      io.stdout.write(`${overallHelp()}\n`);
      return EXIT_OK;
    }
    if (name === 'help') {
      const topic = rest[0];
      if (topic === undefined) io.stdout.write(`${overallHelp()}\n`);
      else if (Object.hasOwn(COMMANDS, topic)) io.stdout.write(`${COMMANDS[topic]!.help}\n`);
      else throw new UsageError(`unknown command '${topic}' (see ars --help)`);
      return EXIT_OK;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new UsageError(name.startsWith('-') ? `expected a command before '${name}' (see ars --help)` : `unknown command '${name}' (see ars --help)`);
    }
    const command = COMMANDS[name]!;
    const values = parseCommandLine(name, command, rest);
    if (values.help === true) {
      io.stdout.write(`${command.help}\n`);
      return EXIT_OK;
    }
    return await command.run(values, io);
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`error: ${oneLine(message)}\n`);
  if (io.env.ARS_DEBUG === '1') {
    if (err instanceof WorkerError || (err instanceof Error && 'code' in err)) io.stderr.write(`code: ${String((err as { code: unknown }).code)}\n`);
    if (err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  }
  return err instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function parseCommandLine(name: string, command: Command, args: string[]): Values {
  try {
    const { values } = parseArgs({ args, options: command.options, strict: true, allowPositionals: false });
    return values as Values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Node's messages run on ("... To specify a positional argument ..."): keep the first sentence.
    const first = (message.split(/\.\s/, 1)[0] ?? message).replace(/\.$/, '');
    throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} (see ars ${name} --help)`);
  }
}

// ---------------------------------------------------------------- option helpers

function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

function required(values: Values, key: string, command: string): string {
  const v = str(values, key);
  if (v === undefined || v === '') throw new UsageError(`--${key} is required (see ars ${command} --help)`);
  return v;
}

function intValue(flag: string, raw: string): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`--${flag} must be a whole number (got '${raw}')`);
  return Number(raw);
}

function numberValue(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number (got '${raw}')`);
  return n;
}

function optInt(values: Values, key: string): number | undefined {
  const v = str(values, key);
  return v === undefined ? undefined : intValue(key, v);
}

function optNumber(values: Values, key: string): number | undefined {
  const v = str(values, key);
  return v === undefined ? undefined : numberValue(key, v);
}

/** Drops undefined fields (the schemas' defaults then apply). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Turns a schema failure into a usage error naming the flag, e.g. `--hidden: Too small ...`. */
function checkAgainst<S extends z.ZodType>(schema: S, input: unknown, flags: Record<string, string>): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const flag = flags[path] ?? (path ? path : 'options');
  throw new UsageError(`${flag}: ${issue.message}`);
}

// ---------------------------------------------------------------- studio access

async function defaultStudio(options: StudioOptions): Promise<StudioLike> {
  // Loaded on demand so that --help and usage errors do not load TensorFlow.js.
  const mod = await import('../worker/studio.ts');
  if (typeof mod.Studio !== 'function') throw new Error('the Studio is not available in this build');
  return new mod.Studio(options);
}

/**
 * The Studio for a command. The command line may read any file the person names ('any'); a
 * Studio that serves other clients (`serve --in-process`) reads only `<home>/datasets` (the default).
 */
async function openStudio(values: Values, io: CliIo, fileAccess: 'any' | 'datasets' = 'any'): Promise<StudioLike> {
  const home = resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd);
  const backend = str(values, 'backend') ?? io.env.ARS_BACKEND;
  const options: StudioOptions = { home, ...(backend ? { backend } : {}), ...(fileAccess === 'any' ? { fileAccess } : {}) };
  return io.createStudio ? io.createStudio(options) : defaultStudio(options);
}

async function withClient<T>(values: Values, io: CliIo, use: (client: WorkerClient) => Promise<T>): Promise<T> {
  const connection = createInProcessClient(await openStudio(values, io));
  try {
    return await use(connection.client);
  } finally {
    connection.close();
  }
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * Follows a job until it is done. The first Ctrl-C asks the worker to cancel it (also before the
 * job id is known); the job then ends with `done: cancelled`.
 */
async function followJob(
  client: WorkerClient,
  start: () => Promise<{ jobId: string }>,
  io: CliIo,
  onEvent: (e: JobEvent) => void,
): Promise<{ reason: 'completed' | 'cancelled'; summary: Record<string, unknown>; interrupted: boolean }> {
  let jobId: string | null = null;
  let interrupted = false;
  const cancel = () => {
    if (jobId) client.request('job.cancel', { jobId }).catch(() => undefined);
  };
  const off = io.onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    io.stderr.write('\ncancelling… (Ctrl-C again to quit at once)\n');
    cancel();
  });
  try {
    jobId = (await start()).jobId;
    if (interrupted) cancel();
    for await (const e of client.events(jobId)) {
      if (e.kind === 'error') throw new WorkerError(e.code, e.message);
      if (e.kind === 'notice') io.stderr.write(`note: ${oneLine(e.message)}\n`);
      onEvent(e);
      if (e.kind === 'done') return { reason: e.reason, summary: e.summary, interrupted };
    }
    throw new WorkerError('INTERNAL_ERROR', 'the job ended without reporting that it was done');
  } finally {
    off();
  }
}

// ---------------------------------------------------------------- commands

const TRAIN_FLAGS: Record<string, string> = {
  steps: '--steps',
  batch: '--batch',
  seq: '--seq',
  lr: '--lr',
  'model.cell': '--model',
  'model.hidden': '--hidden',
  'model.embedding': '--embedding',
  'model.layers': '--layers',
  'model.dModel': '--d-model',
  'model.heads': '--heads',
  'model.ffn': '--ffn',
  'model.context': '--context',
  'model.positions': '--positions',
  data: '--data',
  'data.path': '--data',
  'data.name': '--data',
};

function dataSource(raw: string, cwd: string): TrainConfigInput['data'] {
  if ((BUILTIN_CORPORA as readonly string[]).includes(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_CORPORA)[number] };
  return { kind: 'file', path: resolve(cwd, raw) };
}

function modelChoice(name: string, values: Values): TrainConfigInput['model'] {
  if (name === 'lstm' || name === 'gru' || name === 'rnn') {
    return {
      family: 'rnn' as const,
      cell: name,
      embedding: optInt(values, 'embedding') ?? MODEL_DEFAULTS.embedding,
      hidden: optInt(values, 'hidden') ?? MODEL_DEFAULTS.hidden,
      layers: optInt(values, 'layers') ?? MODEL_DEFAULTS.layers,
    };
  }
  if (name === 'transformer' || name === 'nar') {
    return {
      family: name === 'nar' ? ('maskPredict' as const) : ('transformer' as const),
      dModel: optInt(values, 'd-model') ?? TRANSFORMER_DEFAULTS.dModel,
      heads: optInt(values, 'heads') ?? TRANSFORMER_DEFAULTS.heads,
      layers: optInt(values, 'layers') ?? TRANSFORMER_DEFAULTS.layers,
      ffn: optInt(values, 'ffn') ?? TRANSFORMER_DEFAULTS.ffn,
      context: optInt(values, 'context') ?? optInt(values, 'seq') ?? 64,
      ...(name === 'nar' && str(values, 'positions') !== undefined ? { positions: str(values, 'positions') as PositionEncoding } : {}),
    };
  }
  throw new UsageError(`--model must be lstm, gru, rnn, transformer, nar or pixelcnn (got '${name}')`);
}

async function train(values: Values, io: CliIo): Promise<number> {
  if (required(values, 'model', 'train') === 'pixelcnn') return trainImages(values, io);
  const model = modelChoice(required(values, 'model', 'train'), values);
  const data = required(values, 'data', 'train');
  const steps = intValue('steps', required(values, 'steps', 'train'));
  const config: TrainConfigInput = defined({
    model,
    data: dataSource(data, io.cwd),
    steps,
    batch: optInt(values, 'batch'),
    seq: optInt(values, 'seq'),
    lr: optNumber(values, 'lr'),
  });
  checkAgainst(TrainConfig, config, TRAIN_FLAGS);
  const name = str(values, 'name');
  return withClient(values, io, (client) =>
    followTraining(client, () => client.request('train.start', name === undefined ? { config } : { config, name }), values, io),
  );
}

async function resume(values: Values, io: CliIo): Promise<number> {
  const runId = required(values, 'run', 'resume');
  const extraSteps = optInt(values, 'steps') ?? 0;
  if (extraSteps < 0) throw new UsageError('--steps must not be negative');
  return withClient(values, io, (client) => followTraining(client, () => client.request('train.resume', { runId, extraSteps }), values, io));
}

async function followTraining(
  client: WorkerClient,
  start: () => Promise<{ jobId: string; runId: string }>,
  values: Values,
  io: CliIo,
): Promise<number> {
  const json = values.json === true;
  const tty = !json && io.stdout.isTTY === true;
  let runId = '';
  let last: ProgressEvent | null = null;
  let lastVal: number | undefined;
  let drawnAt = 0;
  let drawn = false;
  const draw = (e: ProgressEvent, force: boolean) => {
    const now = Date.now();
    if (!force && now - drawnAt < 100) return;
    drawnAt = now;
    drawn = true;
    const columns = io.stdout.columns !== undefined && io.stdout.columns >= 20 ? io.stdout.columns : 100;
    io.stdout.write(`\r${formatProgressLine(e, columns - 1)}\x1b[K`);
  };
  // Not on a terminal (a log): about 20 lines a run, and at least one every LOG_INTERVAL_MS.
  const every = (total: number) => Math.max(1, Math.round(total / 20));
  let printedAt = Date.now();
  let printedStep = 0;

  const outcome = await followJob(
    client,
    async () => {
      const started = await start();
      runId = started.runId;
      if (!json) io.stdout.write(`run ${runId}\n`);
      return started;
    },
    io,
    (e) => {
      if (e.kind === 'preview' && tty) {
        // The sample after each validation, char-rnn style, above the progress bar.
        const text = e.text.replace(/\n/g, '⏎').slice(0, Math.max(20, (io.stdout.columns ?? 100) - 16));
        io.stdout.write(`\r\x1b[Kstep ${e.step}: ${text}\n`);
        if (last) draw(last, true);
        return;
      }
      if (e.kind !== 'progress') return;
      if (e.valLoss !== undefined) lastVal = e.valLoss;
      if (json) {
        last = e;
        return writeJson(io, e);
      }
      // The bar shows the latest validation loss until the next evaluation.
      if (e.valLoss === undefined && lastVal !== undefined) e = { ...e, valLoss: lastVal };
      last = e;
      if (tty) return draw(e, e.step === e.totalSteps);
      const n = every(e.totalSteps);
      if (Math.floor(e.step / n) > Math.floor(printedStep / n) || e.step === e.totalSteps || Date.now() - printedAt >= LOG_INTERVAL_MS) {
        printedAt = Date.now();
        printedStep = e.step;
        io.stdout.write(`${formatProgressLine(e, 100)}\n`);
      }
    },
  );
  const final = last as ProgressEvent | null;
  if (tty && final) draw(final, true);
  if (drawn) io.stdout.write('\n');

  const num = (key: string, fallback: number | null): number | null => {
    const v = outcome.summary[key];
    return typeof v === 'number' ? v : fallback;
  };
  const step = num('step', final?.step ?? null);
  const trainLoss = num('trainLoss', final?.trainLoss ?? null);
  const valLoss = num('valLoss', lastVal ?? null);
  if (json) writeJson(io, { runId, step, trainLoss, valLoss, state: outcome.reason });
  else if (outcome.reason === 'completed') {
    const took = final ? `, ${formatDuration(final.elapsedSec)}` : '';
    io.stdout.write(`completed ${runId}: step ${step ?? '-'}, train loss ${formatLoss(trainLoss)}, val loss ${formatLoss(valLoss)}${took}\n`);
  } else {
    io.stdout.write(`cancelled ${runId} at step ${step ?? '-'} (ars resume --run ${runId} continues it)\n`);
  }
  return outcome.reason === 'cancelled' && outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}

const SAMPLE_FLAGS: Record<string, string> = {
  length: '--length',
  prompt: '--prompt',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  seed: '--seed',
  iterations: '--iterations',
};

async function sample(values: Values, io: CliIo): Promise<number> {
  if (str(values, 'out') !== undefined || str(values, 'samples') !== undefined) return sampleImages(values, io);
  const runId = required(values, 'run', 'sample');
  const length = intValue('length', required(values, 'length', 'sample'));
  const options: SampleOptionsInput = defined({
    length,
    prompt: str(values, 'prompt'),
    temperature: optNumber(values, 'temperature'),
    topK: optInt(values, 'top-k'),
    topP: optNumber(values, 'top-p'),
    seed: optInt(values, 'seed'),
    iterations: optInt(values, 'iterations'),
  });
  checkAgainst(SampleOptions, options, SAMPLE_FLAGS);
  const json = values.json === true;
  const prompt = options.prompt ?? '';
  let text = '';
  const tokens: number[] = [];
  const probs: number[] = [];
  return withClient(values, io, async (client) => {
    if (!json && prompt) io.stdout.write(prompt);
    let passes = 0;
    const outcome = await followJob(client, () => client.request('sample.start', { runId, options }), io, (e) => {
      if (e.kind === 'pass') {
        // Non-autoregressive: the whole text changes each pass; keep the latest canvas.
        passes++;
        tokens.splice(0, tokens.length, ...e.tokens.filter((t) => t >= 0));
        probs.splice(0, probs.length, ...e.probs.filter((_, i) => e.tokens[i]! >= 0));
        text = e.text.join('');
        return;
      }
      if (e.kind !== 'token') return;
      text += e.text;
      tokens.push(e.tokenId);
      probs.push(e.prob);
      if (!json) io.stdout.write(e.text);
    });
    if (!json && passes > 0) io.stdout.write(text);
    if (json) writeJson(io, { runId, prompt, text, tokens, probs, state: outcome.reason, summary: outcome.summary });
    else if (!(prompt + text).endsWith('\n')) io.stdout.write('\n');
    return outcome.reason === 'cancelled' && outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  });
}

async function race(values: Values, io: CliIo): Promise<number> {
  const arRunId = required(values, 'ar', 'race');
  const narRunId = required(values, 'nar', 'race');
  const options: RaceOptionsInput = defined({
    length: intValue('length', required(values, 'length', 'race')),
    prompt: str(values, 'prompt'),
    temperature: optNumber(values, 'temperature'),
    topK: optInt(values, 'top-k'),
    topP: optNumber(values, 'top-p'),
    seed: optInt(values, 'seed'),
    iterations: optInt(values, 'iterations'),
    draft: optInt(values, 'draft'),
  });
  checkAgainst(RaceOptions, options, { ...SAMPLE_FLAGS, draft: '--draft' });
  return withClient(values, io, async (client) => {
    let results: LaneResult[] = [];
    const outcome = await followJob(client, () => client.request('race.start', { arRunId, narRunId, options }), io, (e) => {
      if (e.kind === 'race-finished' && values.json !== true) io.stderr.write(`finished ${e.finishOrder}: ${e.lane} (${e.laneMs.toFixed(0)} ms)\n`);
      if (e.kind === 'race-results') results = e.lanes;
    });
    if (values.json === true) writeJson(io, { arRunId, narRunId, prompt: options.prompt ?? '', lanes: results, state: outcome.reason });
    else io.stdout.write(`${formatRaceTable(results)}\n`);
    return outcome.reason === 'cancelled' && outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  });
}

async function runs(values: Values, io: CliIo): Promise<number> {
  return withClient(values, io, async (client) => {
    const list = await client.request('runs.list', {});
    if (values.json === true) writeJson(io, list);
    else if (list.length === 0) io.stdout.write(`no runs yet in ${resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd)}\n`);
    else io.stdout.write(`${formatRunsTable(list)}\n`);
    return EXIT_OK;
  });
}

async function showRun(values: Values, io: CliIo): Promise<number> {
  const runId = required(values, 'run', 'show');
  return withClient(values, io, async (client) => {
    const run = await client.request('runs.get', { runId });
    if (values.json === true) {
      const previews = run.previews.map((p) => ('text' in p ? p : { step: p.step, samples: p.samples }));
      writeJson(io, { ...run, previews });
    } else io.stdout.write(`${formatRunDetail(run)}\n`);
    return EXIT_OK;
  });
}

async function deleteRun(values: Values, io: CliIo): Promise<number> {
  const runId = required(values, 'run', 'delete');
  if (values.yes !== true) throw new UsageError(`add --yes to delete run ${runId} and its checkpoints (it cannot be undone)`);
  return withClient(values, io, async (client) => {
    await client.request('runs.delete', { runId });
    io.stdout.write(`deleted run ${runId}\n`);
    return EXIT_OK;
  });
}

async function exportRun(values: Values, io: CliIo): Promise<number> {
  const runId = required(values, 'run', 'export');
  return withClient(values, io, async (client) => {
    const { fileName, archive, notices } = await client.request('runs.export', { runId });
    const out = resolve(io.cwd, str(values, 'out') ?? fileName);
    try {
      await writeFile(out, archive, { flag: 'wx' }); // never overwrites a file
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'EEXIST' ? `${out} exists already; choose another --out` : `cannot write ${out} (${code ?? (err as Error).message})`);
    }
    for (const n of notices) io.stderr.write(`warning: ${n}\n`);
    if (values.json === true) writeJson(io, { runId, out, bytes: archive.byteLength, notices });
    else io.stdout.write(`wrote run ${runId} to ${out} (${formatBytes(archive.byteLength)})\n`);
    return EXIT_OK;
  });
}

async function importRun(values: Values, io: CliIo): Promise<number> {
  const path = resolve(io.cwd, required(values, 'archive', 'import'));
  let archive: Uint8Array<ArrayBuffer>;
  try {
    archive = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new UsageError(`--archive: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (archive.byteLength > MAX_RUN_ARCHIVE_BYTES) {
    throw new UsageError(`${path} holds ${formatBytes(archive.byteLength)}; run archives of at most ${formatBytes(MAX_RUN_ARCHIVE_BYTES)} can be imported`);
  }
  return withClient(values, io, async (client) => {
    const run = await client.request('runs.import', { archive, fileName: basename(path) });
    if (values.json === true) writeJson(io, run);
    else io.stdout.write(`imported run ${run.id} (${run.name}, ${run.state}, step ${run.step})\n`);
    return EXIT_OK;
  });
}

async function info(values: Values, io: CliIo): Promise<number> {
  return withClient(values, io, async (client) => {
    const report = await client.request('info', {});
    if (values.json === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      // Loaded here: it brings TensorFlow.js, which the other commands load only through the Studio.
      const { formatBackendInfo } = await import('../tensor/backend.ts');
      io.stdout.write(`${formatBackendInfo(report)}\n`);
    }
    return EXIT_OK;
  });
}

async function bench(values: Values, io: CliIo): Promise<number> {
  // Loaded on demand: the bench brings TensorFlow.js and every model.
  const { runBench } = await import('./bench/runBench.ts');
  const only = str(values, 'only');
  const backend = str(values, 'backend') ?? io.env.ARS_BACKEND;
  return runBench(
    {
      json: values.json === true,
      inProcess: values['in-process'] === true,
      compare: values.compare === true,
      ...(str(values, 'compare-kernels') ? { compareKernels: str(values, 'compare-kernels')!.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      ...(only !== undefined ? { only } : {}),
      ...(backend ? { backend } : {}),
    },
    io,
  );
}

/** <repo>/out/renderer, from this file's place in the tree. */
export function defaultStaticDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out', 'renderer');
}

/** <repo>/build/THIRD_PARTY_LICENSES.txt (npm run licenses), served at /licenses.txt. */
export function defaultLicensesFile(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'THIRD_PARTY_LICENSES.txt');
}

async function serve(values: Values, io: CliIo): Promise<number> {
  const host = str(values, 'host') ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host must not be empty');
  const port = optInt(values, 'port') ?? 0;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be between 0 and 65535 (got ${port})`);
  const staticDir = io.staticDir ?? defaultStaticDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`the web page is not built (${staticDir} has no index.html): run npm run web, or npm run build:renderer first`);
  }
  // In-process when asked, or when the caller supplies the Studio (tests: it cannot cross a process).
  let supervisor: WorkerSupervisor | null = null;
  let server: WebServer;
  if (values['in-process'] === true || io.createStudio) {
    server = await startWebServer({ studio: await openStudio(values, io, 'datasets'), host, port, staticDir, licensesFile: defaultLicensesFile() });
  } else {
    const home = resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd);
    const backend = str(values, 'backend') ?? io.env.ARS_BACKEND;
    const { WorkerSupervisor } = await import('../worker/workerProcess.ts');
    // Worker output and restarts go to stderr; the worker never sees the token.
    supervisor = new WorkerSupervisor({ home, ...(backend ? { backend } : {}), log: (line) => io.stderr.write(`${oneLine(line)}\n`) });
    try {
      await supervisor.start();
      server = await startWebServer({ worker: supervisor, host, port, staticDir, licensesFile: defaultLicensesFile() });
    } catch (err) {
      await supervisor.close();
      throw err;
    }
  }
  if (!isLoopbackHost(host)) {
    io.stderr.write(
      `warning: listening on ${host}, not on this machine only: anyone who can reach this address and has the token can train models and read your runs\n`,
    );
  }
  // The one place the token is ever printed.
  io.stdout.write(`Autoregressive Studio is serving on ${server.url}\n`);
  await new Promise<void>((stop) => {
    const off = io.onInterrupt(() => {
      off();
      stop();
    });
  });
  await server.close();
  await supervisor?.close();
  return EXIT_OK;
}

// ---------------------------------------------------------------- images (PixelCNN)

function imageSource(raw: string, cwd: string): ImageTrainConfigInput['data'] {
  if ((BUILTIN_IMAGE_SETS as readonly string[]).includes(raw)) return { kind: 'builtin', name: raw as (typeof BUILTIN_IMAGE_SETS)[number] };
  const path = resolve(cwd, raw);
  return existsSync(path) && statSync(path).isDirectory() ? { kind: 'folder', path } : { kind: 'file', path };
}

async function trainImages(values: Values, io: CliIo): Promise<number> {
  const config: ImageTrainConfigInput = defined({
    model: {
      family: 'pixelcnn' as const,
      channels: optInt(values, 'channels') ?? DEFAULT_PIXELCNN_CONFIG.channels,
      residualBlocks: optInt(values, 'blocks') ?? DEFAULT_PIXELCNN_CONFIG.residualBlocks,
    },
    data: imageSource(required(values, 'data', 'train'), io.cwd),
    steps: intValue('steps', required(values, 'steps', 'train')),
    batch: optInt(values, 'batch'),
    lr: optNumber(values, 'lr'),
  });
  checkAgainst(ImageTrainConfig, config, { steps: '--steps', batch: '--batch', lr: '--lr', 'model.channels': '--channels', 'model.residualBlocks': '--blocks', data: '--data' });
  const name = str(values, 'name');
  return withClient(values, io, (client) =>
    followTraining(client, () => client.request('image.train.start', name === undefined ? { config } : { config, name }), values, io),
  );
}

function pixelOptions(values: Values): PixelSampleOptionsInput {
  const options: PixelSampleOptionsInput = defined({
    samples: optInt(values, 'samples'),
    seed: optInt(values, 'seed'),
    method: str(values, 'method') as PixelSampleOptionsInput['method'],
  });
  checkAgainst(PixelSampleOptions, options, { samples: '--samples', seed: '--seed', method: '--method' });
  return options;
}

/** Runs one PixelCNN sampling job and writes its K images side by side to --out. */
async function drawImages(values: Values, io: CliIo, command: string, known?: { values: Uint8Array<ArrayBuffer>; mask: Uint8Array<ArrayBuffer> }): Promise<number> {
  const runId = required(values, 'run', command);
  const out = resolve(io.cwd, required(values, 'out', command));
  const options = pixelOptions(values);
  return withClient(values, io, async (client) => {
    let result: Extract<JobEvent, { kind: 'images' }> | null = null;
    let drawn = 0;
    const outcome = await followJob(
      client,
      () => client.request('image.sample.start', known ? { runId, options, known } : { runId, options }),
      io,
      (e) => {
        if (e.kind === 'pixel' && values.json !== true && io.stderr.isTTY && ++drawn % 28 === 0) io.stderr.write(`\rpixel ${e.index + 1}/784\x1b[K`);
        if (e.kind === 'images') result = e;
      },
    );
    if (drawn >= 28) io.stderr.write('\n');
    const images = result as Extract<JobEvent, { kind: 'images' }> | null;
    if (!images) throw new Error('the sampling job ended without images');
    const grid = imageGrid(images.images, images.samples, { gap: 2, gapValue: 0.5 });
    await writeFile(out, encodePng(grid.pixels, grid.width, grid.height, 4));
    if (values.json === true) writeJson(io, { runId, out, samples: images.samples, nll: images.nll, bitsPerDim: images.bitsPerDim, method: images.method, elapsedMs: images.elapsedMs, backend: outcome.summary.backend, state: outcome.reason });
    else {
      io.stdout.write(`wrote ${images.samples} image${images.samples === 1 ? '' : 's'} to ${out} (${formatDuration(images.elapsedMs / 1000)}, ${images.method}, on ${String(outcome.summary.backend)})\n`);
      images.nll.forEach((nll, k) => io.stdout.write(`  #${k + 1}: NLL ${nll.toFixed(1)} nats (${images.bitsPerDim[k]!.toFixed(3)} bits/pixel)\n`));
    }
    return outcome.reason === 'cancelled' && outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
  });
}

async function sampleImages(values: Values, io: CliIo): Promise<number> {
  return drawImages(values, io, 'sample');
}

async function complete(values: Values, io: CliIo): Promise<number> {
  const imagePath = resolve(io.cwd, required(values, 'image', 'complete'));
  const read = async (path: string, flag: string) => {
    try {
      return new Uint8Array(await readFile(path));
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const pixels = new Uint8Array(pngToBinary(basename(imagePath), await read(imagePath, '--image')));
  let mask: Uint8Array<ArrayBuffer>;
  const knownPath = str(values, 'known');
  if (knownPath !== undefined) {
    if (str(values, 'rows') !== undefined) throw new UsageError('give --known or --rows, not both');
    const path = resolve(io.cwd, knownPath);
    mask = new Uint8Array(pngToBinary(basename(path), await read(path, '--known'), { invert: false }));
  } else {
    const rows = optInt(values, 'rows') ?? 14;
    if (rows < 0 || rows > IMAGE_SIDE) throw new UsageError(`--rows must be between 0 and ${IMAGE_SIDE}`);
    mask = new Uint8Array(IMAGE_PIXELS).fill(1, 0, rows * IMAGE_SIDE);
  }
  return drawImages(values, io, 'complete', { values: pixels, mask });
}

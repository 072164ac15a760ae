/**
 * `npm run starters`: builds the starter runs the app ships (assets/starter/*.ars-run.tgz) from
 * the project's own training, through the CLI, with fixed seeds:
 *
 *   1. trains each run (`ars train … --seed 1`) into a work folder (default .starter-build/,
 *      kept between builds: a run already trained there is reused, so a failed build resumes);
 *   2. packs each as a starter: the final checkpoint only, its weights only (no Adam moments: a
 *      third of the size; resuming a starter starts a fresh optimiser), the metrics and previews,
 *      its training text or images, run.json with a fixed id and `starter: true`;
 *   3. exports it in the run archive format (core/runs/runArchive.ts), which the app installs
 *      through its verified import path (core/worker/starterRuns.ts).
 *
 * It fails if the archives together pass the size budget.
 *
 *   npx tsx scripts/starter/build.ts [--work DIR] [--out DIR] [--only ID,ID]
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { copyFile, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MODEL_PREFIX } from '../../core/runs/checkpointContents.ts';
import { CheckpointStore } from '../../core/runs/checkpointStore.ts';
import { exportRunArchive } from '../../core/runs/runArchive.ts';
import { RunMeta } from '../../core/runs/runMeta.ts';
import { RunStore } from '../../core/runs/runStore.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The hard limit on what the starters add to the repository and to the app. */
export const STARTER_BUDGET_BYTES = 4 * 1024 * 1024;

export interface StarterSpec {
  /** The id it installs under (and its archive's name). */
  id: string;
  name: string;
  /** `ars train` arguments; `{ar}` stands for the trained id of the starter-transformer run. */
  train: string[];
}

/**
 * What is shipped. Sizes and steps keep the archives within the budget (weights dominate: the two
 * Transformers ~1 MB each, the PixelCNN its weights plus its 10,000 training digits) and the
 * build within minutes on a CPU. A masked image model (for the image race) would not fit beside them.
 */
export const STARTERS: readonly StarterSpec[] = [
  {
    id: 'starter-transformer-sonnets',
    name: 'Starter Transformer (sonnets)',
    train: ['--model', 'transformer', '--data', 'sonnets', '--steps', '1800', '--layers', '2', '--d-model', '96', '--heads', '4', '--ffn', '384', '--seq', '64', '--batch', '32', '--seed', '1'],
  },
  {
    id: 'starter-nar-sonnets',
    name: 'Starter NAR (sonnets, distilled)',
    train: ['--model', 'nar', '--distill-from', '{ar}', '--distill-chars', '60000', '--steps', '1500', '--layers', '2', '--d-model', '96', '--heads', '4', '--ffn', '384', '--seq', '64', '--batch', '32', '--seed', '1'],
  },
  {
    id: 'starter-pixelcnn-mnist',
    name: 'Starter PixelCNN (MNIST)',
    train: ['--model', 'pixelcnn', '--data', 'mnist', '--steps', '250', '--seed', '1'],
  },
];

/** Runs `ars` (the CLI, in a child process) with `args`; resolves to its stdout. */
function ars(args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'core', 'cli', 'main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', fail);
    child.on('close', (status) => (status === 0 ? done(out) : fail(new Error(`ars ${args.join(' ')} exited with ${status}`))));
  });
}

/** The id of the completed run named `name` in the work folder, if there is one. */
async function trainedRun(work: string, name: string): Promise<string | null> {
  const runs = await new RunStore(work).list();
  const done = runs.filter((r) => r.meta.name === name && r.meta.state === 'completed' && r.meta.checkpointStep !== null);
  return done.at(-1)?.id ?? null;
}

async function train(work: string, spec: StarterSpec, arId: string | null): Promise<string> {
  const found = await trainedRun(work, spec.name);
  if (found) {
    process.stderr.write(`${spec.id}: using the run trained before, ${found}\n`);
    return found;
  }
  const args = spec.train.map((a) => {
    if (a !== '{ar}') return a;
    if (!arId) throw new Error(`${spec.id} distils from the starter Transformer: build it too`);
    return arId;
  });
  process.stderr.write(`${spec.id}: ars train ${args.join(' ')}\n`);
  const out = await ars(['train', ...args, '--name', spec.name, '--runs-dir', work, '--json']);
  const last = JSON.parse(out.trim().split('\n').at(-1)!) as { runId: string; state: string };
  if (last.state !== 'completed') throw new Error(`${spec.id}: the training ended ${last.state}`);
  return last.runId;
}

/** Packs a trained run as a starter in `stage` (a runs home): weights-only final checkpoint, fixed id. */
export async function packStarter(work: string, stage: string, runId: string, spec: StarterSpec, idMap: ReadonlyMap<string, string>): Promise<string> {
  const run = await new RunStore(work).open(runId);
  const { checkpoint } = await run.checkpoints.loadLatest();
  if (!checkpoint) throw new Error(`${spec.id}: run ${runId} has no checkpoint`);
  const dir = join(stage, 'runs', spec.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const name of ['metrics.jsonl', 'previews.jsonl', 'corpus.txt', 'images.bin']) {
    const from = join(run.dir, name);
    if (await lstat(from).then((i) => i.isFile(), () => false)) await copyFile(from, join(dir, name));
  }
  const weights: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(checkpoint.tensors)) if (name.startsWith(MODEL_PREFIX)) weights[name] = t;
  await new CheckpointStore(join(dir, 'checkpoints')).save(weights, { step: checkpoint.step, model: checkpoint.metadata.model });
  tf.dispose(Object.values(checkpoint.tensors));
  const distill = run.meta.distillFrom ? { distillFrom: { ...run.meta.distillFrom, runId: idMap.get(run.meta.distillFrom.runId) ?? run.meta.distillFrom.runId } } : {};
  const meta = RunMeta.parse({ ...run.meta, ...distill, id: spec.id, name: spec.name, starter: true, checkpointStep: checkpoint.step, pid: null, pidStart: null });
  await writeFile(join(dir, 'run.json'), JSON.stringify(meta, null, 2));
  return spec.id;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { work: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' } } });
  const work = resolve(values.work ?? join(ROOT, '.starter-build'));
  const out = resolve(values.out ?? join(ROOT, 'assets', 'starter'));
  const only = values.only ? new Set(values.only.split(',')) : null;
  await tf.setBackend('cpu'); // packing only moves weights: the CPU backend does it anywhere

  const trained = new Map<string, string>(); // starter id -> run id in the work folder
  for (const spec of STARTERS) {
    if (only && !only.has(spec.id) && !(spec.id === 'starter-transformer-sonnets' && only.has('starter-nar-sonnets'))) continue;
    trained.set(spec.id, await train(work, spec, trained.get('starter-transformer-sonnets') ?? null));
  }
  const idMap = new Map([...trained].map(([starter, run]) => [run, starter]));
  const stage = join(work, '.stage');
  await mkdir(out, { recursive: true });
  const sizes: { id: string; bytes: number }[] = [];
  for (const spec of STARTERS) {
    const runId = trained.get(spec.id);
    if (!runId || (only && !only.has(spec.id))) continue;
    await packStarter(work, stage, runId, spec, idMap);
    const archive = await exportRunArchive(await new RunStore(stage).open(spec.id));
    if (archive.skipped.length) throw new Error(`${spec.id}: a checkpoint did not verify: ${archive.skipped[0]!.reason}`);
    await writeFile(join(out, archive.fileName), archive.bytes);
    sizes.push({ id: spec.id, bytes: archive.bytes.byteLength });
  }
  await rm(stage, { recursive: true, force: true });
  let total = 0;
  for (const f of STARTERS) {
    const bytes = await readFile(join(out, `${f.id}.ars-run.tgz`)).then((b) => b.byteLength, () => 0);
    total += bytes;
    process.stdout.write(`${f.id.padEnd(28)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB${sizes.some((s) => s.id === f.id) ? '  (built now)' : ''}\n`);
  }
  process.stdout.write(`${'total'.padEnd(28)} ${(total / 1024).toFixed(0).padStart(6)} KiB of ${STARTER_BUDGET_BYTES / 1024} KiB\n`);
  if (total > STARTER_BUDGET_BYTES) throw new Error(`the starter runs take ${total} bytes, over the budget of ${STARTER_BUDGET_BYTES}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

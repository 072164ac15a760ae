import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { RunStoreError } from '../errors.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { CheckpointStore } from './checkpointStore.ts';
import { RUN_ID, RunMeta } from './runMeta.ts';

export interface MetricLine {
  step: number;
  time: number;
  trainLoss?: number;
  valLoss?: number;
  tokensPerSec?: number;
  lr?: number;
}

/**
 * One run's folder: run.json (atomic rewrites), metrics.jsonl (appended), corpus.txt (the
 * training text, so a run resumes without its original file), checkpoints/.
 */
export class RunHandle {
  readonly checkpoints: CheckpointStore;

  constructor(
    readonly dir: string,
    private current: RunMeta,
  ) {
    this.checkpoints = new CheckpointStore(join(dir, 'checkpoints'));
  }

  get id(): string {
    return this.current.id;
  }

  get meta(): RunMeta {
    return this.current;
  }

  async update(patch: Partial<Omit<RunMeta, 'id' | 'formatVersion' | 'createdAt'>>): Promise<RunMeta> {
    const next = RunMeta.parse({ ...this.current, ...patch, updatedAt: new Date().toISOString() });
    await writeRunFile(this.dir, 'run.json', JSON.stringify(next, null, 2));
    this.current = next;
    return next;
  }

  async appendMetrics(records: readonly MetricLine[]): Promise<void> {
    if (records.length === 0) return;
    await guardWrite(this.dir, () => appendFile(join(this.dir, 'metrics.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n'));
  }

  /** Every metric line that parses (a torn last line from a crash is skipped). */
  async readMetrics(): Promise<MetricLine[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'metrics.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const out: MetricLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as MetricLine;
        if (typeof r.step === 'number') out.push(r);
      } catch {
        // torn line
      }
    }
    return out;
  }

  /** Drops metrics after `step` (a resume from an earlier checkpoint repeats those steps). */
  async truncateMetricsAfter(step: number): Promise<void> {
    const kept = (await this.readMetrics()).filter((r) => r.step <= step);
    await writeRunFile(this.dir, 'metrics.jsonl', kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  async readCorpus(): Promise<string> {
    try {
      return await readFile(join(this.dir, 'corpus.txt'), 'utf8');
    } catch {
      throw new RunStoreError(`run ${this.id} has lost its training text (corpus.txt)`);
    }
  }
}

export interface NewRun {
  name: string;
  dataset: string;
  corpusText: string;
  meta: Omit<RunMeta, 'formatVersion' | 'id' | 'name' | 'createdAt' | 'updatedAt' | 'dataset'>;
}

/** The runs under `<home>/runs`, one folder each. */
export class RunStore {
  readonly root: string;

  constructor(home: string) {
    this.root = resolve(home, 'runs');
  }

  /** A run's folder; ids that could escape the runs folder are refused. */
  private dirOf(id: string): string {
    if (!RUN_ID.test(id)) throw new RunStoreError(`"${id}" is not a valid run id`);
    const dir = resolve(this.root, id);
    if (!dir.startsWith(this.root + sep)) throw new RunStoreError(`"${id}" is not a valid run id`);
    return dir;
  }

  async create(init: NewRun): Promise<RunHandle> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${slug(init.name)}-${randomBytes(3).toString('hex')}`;
    const dir = this.dirOf(id);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new RunStoreError(`cannot create a run folder under ${this.root}: ${describeFsError(err)}`);
    }
    const now = new Date().toISOString();
    const meta = RunMeta.parse({ ...init.meta, formatVersion: 1, id, name: init.name, dataset: init.dataset, createdAt: now, updatedAt: now });
    await writeRunFile(dir, 'corpus.txt', init.corpusText);
    await writeRunFile(dir, 'run.json', JSON.stringify(meta, null, 2));
    return new RunHandle(dir, meta);
  }

  async open(id: string): Promise<RunHandle> {
    const dir = this.dirOf(id);
    let text: string;
    try {
      text = await readFile(join(dir, 'run.json'), 'utf8');
    } catch {
      throw new RunStoreError(`there is no run "${id}" in ${this.root}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RunStoreError(`run "${id}" has a damaged run.json (not JSON)`);
    }
    const meta = RunMeta.safeParse(parsed);
    if (!meta.success) throw new RunStoreError(`run "${id}" has a damaged run.json (${meta.error.issues[0]?.message ?? 'invalid'})`);
    return new RunHandle(dir, meta.data);
  }

  /** Every readable run, newest first; unreadable folders are skipped. */
  async list(): Promise<RunHandle[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const runs: RunHandle[] = [];
    for (const name of names) {
      if (!RUN_ID.test(name)) continue;
      try {
        if (!(await stat(join(this.root, name))).isDirectory()) continue;
        runs.push(await this.open(name));
      } catch {
        // not a run, or a damaged one: listed nowhere, deleted never
      }
    }
    return runs.sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
  }

  async delete(id: string): Promise<void> {
    const run = await this.open(id);
    await rm(run.dir, { recursive: true, force: true });
  }
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .toLowerCase() || 'run'
  );
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'the data folder is read-only (permission denied)';
  if (code === 'ENOSPC') return 'the disk is full';
  return (err as Error).message;
}

async function guardWrite(dir: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw new RunStoreError(`cannot write to the run folder ${dir}: ${describeFsError(err)}`);
  }
}

function writeRunFile(dir: string, name: string, data: string): Promise<void> {
  return guardWrite(dir, () => writeFileAtomic(join(dir, name), data));
}

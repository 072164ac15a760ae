import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { FileRefusal, readRegularFile } from '../data/regularFile.ts';
import { RunStoreError } from '../errors.ts';
import { syncDir, writeFileAtomic } from './atomicFile.ts';
import { CheckpointStore } from './checkpointStore.ts';
import { previewLine, readPreviewLine, type PreviewLine, type RunPreview } from './previewLog.ts';
import { describeFsError, fsErrorCode } from './fsErrors.ts';
import { RUN_ID, RunMeta } from './runMeta.ts';

export interface MetricLine {
  step: number;
  time: number;
  trainLoss?: number;
  valLoss?: number;
  tokensPerSec?: number;
  lr?: number;
  valNatsPerImage?: number;
  valBitsPerDim?: number;
  maskedLoss50?: number;
}

/**
 * One run's folder: run.json (atomic rewrites), metrics.jsonl (appended), corpus.txt (the
 * training text, so a run resumes without its original file), checkpoints/.
 */
export class RunHandle {
  readonly checkpoints: CheckpointStore;
  private metricsTorn = false;

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

  /**
   * Changes what this handle reports without writing run.json: for a state that is true but
   * cannot be saved (a read-only data folder must not stop the runs from being listed).
   */
  assume(patch: Partial<Omit<RunMeta, 'id' | 'formatVersion' | 'createdAt'>>): RunMeta {
    this.current = RunMeta.parse({ ...this.current, ...patch });
    return this.current;
  }

  async appendMetrics(records: readonly MetricLine[]): Promise<void> {
    if (records.length === 0) return;
    // After a failed append (disk full) the file may end in a torn line: start on a fresh one.
    const text = (this.metricsTorn ? '\n' : '') + records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    try {
      await guardWrite(this.dir, () => appendNoFollow(join(this.dir, 'metrics.jsonl'), text));
      this.metricsTorn = false;
    } catch (err) {
      this.metricsTorn = true;
      throw err;
    }
  }

  /** Every metric line that parses (a torn last line from a crash is skipped). */
  async readMetrics(): Promise<MetricLine[]> {
    return (await this.readJsonLines('metrics.jsonl')).filter((r): r is MetricLine => typeof (r as MetricLine | null)?.step === 'number');
  }

  /** Drops metrics and previews after `step` (a resume from an earlier checkpoint repeats those steps). */
  async truncateMetricsAfter(step: number): Promise<void> {
    const kept = (await this.readMetrics()).filter((r) => r.step <= step);
    await writeRunFile(this.dir, 'metrics.jsonl', kept.map((r) => JSON.stringify(r) + '\n').join(''));
    const lines = await this.readJsonLines('previews.jsonl');
    if (lines.length > 0) {
      const keptPreviews = lines.filter((l) => Number((l as PreviewLine | null)?.step) <= step);
      await writeRunFile(this.dir, 'previews.jsonl', keptPreviews.map((l) => JSON.stringify(l) + '\n').join(''));
    }
  }

  /** Keeps what the model wrote after a validation (previews.jsonl, appended). */
  async appendPreview(preview: RunPreview): Promise<void> {
    await guardWrite(this.dir, () => appendNoFollow(join(this.dir, 'previews.jsonl'), `${JSON.stringify(previewLine(preview))}\n`));
  }

  /** The stored previews, oldest first (unreadable lines skipped); with `newest`, only that many of the last ones. */
  async readPreviews(newest = Infinity): Promise<RunPreview[]> {
    const previews: RunPreview[] = [];
    const lines = await this.readJsonLines('previews.jsonl');
    // Decode from the end (images unpack their bits) and stop once there are enough.
    for (let i = lines.length - 1; i >= 0 && previews.length < newest; i--) {
      const p = readPreviewLine(lines[i]);
      if (p) previews.push(p);
    }
    return previews.reverse();
  }

  /** The parsed lines of a .jsonl file of the run (none if it is missing); torn lines skipped. */
  private async readJsonLines(name: string): Promise<unknown[]> {
    let text: string;
    try {
      text = await readRunFile(this.dir, name);
    } catch (err) {
      if (err instanceof RunStoreError) throw err;
      return [];
    }
    const out: unknown[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // torn line
      }
    }
    return out;
  }

  async readCorpus(): Promise<string> {
    try {
      return await readRunFile(this.dir, 'corpus.txt');
    } catch (err) {
      if (err instanceof RunStoreError) throw err;
      throw new RunStoreError(`run ${this.id} has lost its training text (corpus.txt)`);
    }
  }

  /** Keeps `text` as the run's training text (corpus.txt): a distilled run writes it once generated. */
  async writeCorpus(text: string): Promise<void> {
    await writeRunFile(this.dir, 'corpus.txt', text);
  }

  /** Whether the run has its training text (a distilled run whose generation was stopped has none yet). */
  async hasCorpus(): Promise<boolean> {
    return lstat(join(this.dir, 'corpus.txt')).then((info) => info.isFile(), () => false);
  }

  async readImages(): Promise<Uint8Array> {
    try {
      return await readRunFile(this.dir, 'images.bin', true);
    } catch (err) {
      if (err instanceof RunStoreError) throw err;
      throw new RunStoreError(`run ${this.id} has lost its training images (images.bin)`);
    }
  }
}

export interface NewRun {
  name: string;
  dataset: string;
  /** The training text (text runs), kept as corpus.txt. */
  corpusText?: string;
  /** The training images (image runs: N × 784 bits), kept as images.bin. */
  images?: Uint8Array;
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
    if (!RUN_ID.test(id)) throw new RunStoreError(`"${clip(id)}" is not a valid run id`);
    const dir = resolve(this.root, id);
    if (!dir.startsWith(this.root + sep)) throw new RunStoreError(`"${clip(id)}" is not a valid run id`);
    return dir;
  }

  /**
   * A run's folder, checked to be a real folder: a run folder that is a symbolic link (or a
   * Windows junction) could lead anywhere on the disk, so it is refused, never followed.
   */
  private async realRunDir(id: string): Promise<string> {
    const dir = this.dirOf(id);
    let info;
    try {
      info = await lstat(dir);
    } catch {
      throw new RunStoreError(`there is no run "${id}" in ${this.root}`);
    }
    if (info.isSymbolicLink()) {
      throw new RunStoreError(`run "${id}" is a link to a folder elsewhere; runs must be real folders inside ${this.root}, so it was not opened`);
    }
    if (!info.isDirectory()) throw new RunStoreError(`there is no run "${id}" in ${this.root}`);
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
    if (init.corpusText !== undefined) await writeRunFile(dir, 'corpus.txt', init.corpusText);
    if (init.images !== undefined) await writeRunFile(dir, 'images.bin', init.images);
    await writeRunFile(dir, 'run.json', JSON.stringify(meta, null, 2));
    return new RunHandle(dir, meta);
  }

  async open(id: string): Promise<RunHandle> {
    const dir = await this.realRunDir(id);
    let text: string;
    try {
      text = await readRunFile(dir, 'run.json');
    } catch (err) {
      if (err instanceof RunStoreError) throw err;
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
        // lstat: a symbolic link is not a run (open refuses it too).
        if (!(await lstat(join(this.root, name))).isDirectory()) continue;
        runs.push(await this.open(name));
      } catch {
        // not a run, or a damaged one: listed nowhere, deleted never
      }
    }
    return runs.sort((a, b) => b.meta.createdAt.localeCompare(a.meta.createdAt));
  }

  /**
   * Adds a run from its files (paths relative to the run folder, checked by the caller): they
   * are written into a hidden staging folder, `check` inspects it and returns the run.json to
   * keep, and the folder is renamed into place under that run's id — or a fresh one when the id
   * is taken. On any failure nothing is left behind and no other run is touched.
   */
  async adopt(files: ReadonlyMap<string, Uint8Array>, check: (dir: string) => Promise<RunMeta>): Promise<RunHandle> {
    const staging = join(this.root, `.import-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(staging, { recursive: true });
      for (const [relative, data] of files) {
        const path = join(staging, ...relative.split('/'));
        if (!path.startsWith(staging + sep)) throw new RunStoreError(`"${clip(relative)}" would leave the run folder`);
        await mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, data);
      }
      const checked = await check(staging);
      const taken = (id: string) => lstat(this.dirOf(id)).then(() => true, () => false);
      // Its own id if free, else a fresh one (again if another import takes it meanwhile).
      for (let attempt = 0; attempt < 8; attempt++) {
        const id = attempt === 0 && !(await taken(checked.id)) ? checked.id : `${checked.id.slice(0, 73)}-${randomBytes(3).toString('hex')}`;
        const meta = RunMeta.parse({ ...checked, id });
        await writeFileAtomic(join(staging, 'run.json'), JSON.stringify(meta, null, 2));
        const dir = this.dirOf(id);
        if (await taken(id)) continue;
        try {
          await rename(staging, dir);
        } catch (err) {
          if (attempt < 3 && ['EEXIST', 'ENOTEMPTY', 'EPERM'].includes(fsErrorCode(err) ?? '')) continue;
          throw err;
        }
        await syncDir(this.root);
        return new RunHandle(dir, meta);
      }
      throw new RunStoreError(`no free run id for "${clip(checked.id)}" in ${this.root}`);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (err instanceof RunStoreError) throw err;
      throw new RunStoreError(`cannot add the run to ${this.root}: ${describeFsError(err)}`);
    }
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

function clip(s: string): string {
  return s.length <= 80 ? s : `${s.slice(0, 79)}…`;
}

/** The most any file of a run is read whole (metrics of a very long run, training images). */
const MAX_RUN_FILE_BYTES = 1024 * 1024 * 1024;

/**
 * Reads a file of a run folder: a regular file only, never through a symbolic link (the file or
 * any folder between it and the run folder) — those are refused with RunStoreError. A missing
 * file is thrown as the plain error it is (callers treat it as absent).
 */
async function readRunFile(dir: string, name: string): Promise<string>;
async function readRunFile(dir: string, name: string, binary: true): Promise<Uint8Array>;
async function readRunFile(dir: string, name: string, binary = false): Promise<string | Uint8Array> {
  const path = join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, { maxBytes: MAX_RUN_FILE_BYTES, below: dir });
  } catch (err) {
    if (!(err instanceof FileRefusal) || err.reason === 'missing') throw err;
    if (err.reason === 'link') throw new RunStoreError(`${path}: ${err.message}; files of a run are never read through links`);
    throw new RunStoreError(`${path} cannot be read: ${err.message}`);
  }
  return binary ? bytes : new TextDecoder().decode(bytes);
}

/** Appends to a file without following a symbolic link in its place (O_NOFOLLOW where the platform has it). */
async function appendNoFollow(path: string, text: string): Promise<void> {
  const noFollow = fsConstants.O_NOFOLLOW ?? 0;
  if (noFollow === 0) {
    // Windows: no O_NOFOLLOW; check first (a link appearing in between needs a local attacker).
    const info = await lstat(path).catch((err: unknown) => (fsErrorCode(err) === 'ENOENT' ? null : Promise.reject(err)));
    if (info?.isSymbolicLink()) throw Object.assign(new Error(`${path} is a symbolic link`), { code: 'ELOOP' });
  }
  const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | noFollow, 0o644);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

async function guardWrite(dir: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    throw new RunStoreError(`cannot write to the run folder ${dir}: ${describeFsError(err)}`);
  }
}

function writeRunFile(dir: string, name: string, data: string | Uint8Array): Promise<void> {
  return guardWrite(dir, () => writeFileAtomic(join(dir, name), data));
}

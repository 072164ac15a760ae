/**
 * A data folder that cannot be written — read-only, or a disk that fills up while training —
 * gives a clear error and loses nothing already saved.
 *
 * Two ways: a real read-only folder (chmod), which only stops a process that is not root (CI
 * often runs as root, where chmod stops nothing: that case is skipped, saying so); and, always,
 * faults injected where the store meets the file system (node:fs/promises): ENOSPC (disk full,
 * after writing part of the data, as a real full disk does) and EROFS (read-only file system).
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { SampleOptions } from '../../../core/generate/options.ts';
import { Studio, type Job } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const fault = vi.hoisted(() => ({ mode: null as null | 'ENOSPC' | 'EROFS', hits: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const errno = (code: string, call: string, path: unknown): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: injected fault, ${call} '${String(path)}'`), { code, syscall: call, path: String(path) });
  const writes = (flags: unknown): boolean => {
    if (typeof flags === 'string') return /[wa+]/.test(flags);
    if (typeof flags === 'number') return (flags & (real.constants.O_WRONLY | real.constants.O_RDWR)) !== 0;
    return false;
  };
  const failing = <A extends unknown[], R>(call: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (fault.mode) {
        fault.hits++;
        throw errno(fault.mode, call, a[0]);
      }
      return f(...a);
    };
  const open = async (path: Parameters<typeof real.open>[0], flags?: string | number, mode?: number): Promise<FileHandle> => {
    if (!fault.mode || !writes(flags)) return real.open(path, flags, mode);
    fault.hits++;
    if (fault.mode === 'EROFS') throw errno('EROFS', 'open', path);
    // A full disk: the file opens, part of the data is written, then the write fails.
    const handle = await real.open(path, flags, mode);
    return new Proxy(handle, {
      get(target, key, receiver) {
        if (key === 'writeFile' || key === 'write') {
          return async (data: string | Uint8Array) => {
            const bytes = typeof data === 'string' ? Buffer.from(data) : data;
            await target.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
            throw errno('ENOSPC', 'write', path);
          };
        }
        const v = Reflect.get(target, key, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  const mocked = {
    ...real,
    open,
    mkdir: failing('mkdir', real.mkdir),
    rename: failing('rename', real.rename),
    appendFile: failing('appendFile', real.appendFile),
    writeFile: failing('writeFile', real.writeFile),
  };
  return { ...mocked, default: mocked };
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) {
    chmodTree(d, true);
    rmSync(d, { recursive: true, force: true });
  }
});

function tempHome(): string {
  const d = mkdtempSync(join(tmpdir(), 'ars-faults-'));
  dirs.push(d);
  return d;
}

function config(steps: number): TrainConfig {
  return TrainConfig.parse({
    model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
    data: { kind: 'upload', name: 'cats.txt', bytes: new TextEncoder().encode(REPETITIVE_TEXT) },
    steps,
    batch: 4,
    seq: 16,
    evalEvery: 10,
    evalBatches: 1,
    checkpointEvery: 10,
  });
}

async function drain(job: Job, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of job.events()) {
    out.push(e);
    onEvent?.(e);
  }
  return out;
}

/** SHA-256 over every file's path and contents under `dir`: equal digests, nothing changed. */
function digest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(p).update('\0').update(readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function chmodTree(dir: string, writable: boolean): void {
  try {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) chmodTree(p, writable);
    }
    chmodSync(dir, writable ? 0o755 : 0o555);
  } catch {
    // gone already
  }
}

/** Whether chmod stops this process from writing (it does not stop root). */
function chmodProtects(): boolean {
  const d = tempHome();
  chmodSync(d, 0o555);
  try {
    writeFileSync(join(d, 'probe'), 'x');
    return false;
  } catch {
    return true;
  } finally {
    chmodSync(d, 0o755);
  }
}

const realReadOnlySkip = chmodProtects() ? null : 'this process runs as root, where a read-only mode (chmod) does not stop writes';
if (realReadOnlySkip) console.warn(`[storageFaults] skipping the chmod case: ${realReadOnlySkip}; the injected EROFS/ENOSPC cases cover it.`);

describe('a data folder that cannot be written', () => {
  it('disk full while training: a clear error, the earlier checkpoint and metrics intact, and the run resumes', async () => {
    const studio = new Studio({ home: tempHome(), progressIntervalMs: 0 });
    const job = await studio.startTraining(config(100_000), 'full disk');
    const events = await drain(job, (e) => {
      if (e.kind === 'checkpoint' && e.step === 20) fault.mode = 'ENOSPC';
    });
    fault.mode = null;
    expect(fault.hits).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ kind: 'error', code: expect.stringMatching(/^(RUN_STORE_ERROR|CHECKPOINT_ERROR)$/) });
    expect((last as { message: string }).message).toMatch(/disk is full/);
    // What was saved before the disk filled up is intact.
    const detail = await studio.getRun(job.runId);
    expect(detail.checkpointStep).toBe(20);
    expect(detail.metrics.map((m) => m.step).slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(['failed', 'interrupted']).toContain(detail.state);
    // Space again: training resumes from the checkpoint at step 20.
    const again = await studio.resumeTraining(job.runId, 0);
    const resumed = await drain(again, (e) => {
      if (e.kind === 'progress' && e.step >= 40) again.cancel();
    });
    expect(resumed.find((e) => e.kind === 'progress')).toMatchObject({ step: 21 });
    expect(resumed.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
    const after = await studio.getRun(job.runId);
    expect(after.metrics.map((m) => m.step)).toEqual(Array.from({ length: after.metrics.length }, (_, i) => i + 1));
  });

  it('read-only file system: starting or resuming fails clearly and changes nothing; reading and sampling still work', async () => {
    const home = tempHome();
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const job = await studio.startTraining(config(20), 'read-only');
    await drain(job);
    const before = digest(home);
    fault.mode = 'EROFS';
    try {
      await expect(studio.startTraining(config(20))).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/read-only file system/) });
      await expect(studio.resumeTraining(job.runId, 10)).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/read-only file system/) });
      expect((await studio.listRuns()).map((r) => r.id)).toEqual([job.runId]);
      expect((await studio.getRun(job.runId)).metrics).toHaveLength(20);
      const sampled = await drain(await studio.sample(job.runId, SampleOptions.parse({ length: 10 })));
      expect(sampled.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    } finally {
      fault.mode = null;
    }
    expect(digest(home)).toBe(before);
  });

  it.skipIf(realReadOnlySkip !== null)('a real read-only folder (chmod): the same clear errors, nothing changed', async () => {
    const home = tempHome();
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const job = await studio.startTraining(config(20), 'chmod');
    await drain(job);
    const before = digest(home);
    chmodTree(home, false);
    try {
      await expect(studio.startTraining(config(20))).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/permission denied/) });
      await expect(studio.resumeTraining(job.runId, 10)).rejects.toMatchObject({ code: 'RUN_STORE_ERROR', message: expect.stringMatching(/permission denied/) });
      expect((await studio.getRun(job.runId)).state).toBe('completed');
    } finally {
      chmodTree(home, true);
    }
    expect(digest(home)).toBe(before);
  });
});

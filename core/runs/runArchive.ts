import { isImageModel } from '../models/config.ts';
import * as tf from '@tensorflow/tfjs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip as gzipCallback } from 'node:zlib';
import { CheckpointError, RunStoreError } from '../errors.ts';
import { RUN_ARCHIVE_SUFFIX } from './archiveName.ts';
import { CheckpointStore } from './checkpointStore.ts';
import { RunMeta } from './runMeta.ts';
import type { RunHandle, RunStore } from './runStore.ts';
import { TarError, TarReader, packTar, type TarEntry } from './tar.ts';

/**
 * A run as one file: a gzip-compressed tar archive of its folder (run.json, metrics.jsonl, the
 * training text or images, the checkpoints that verify), under one folder named by the run id.
 * Any tar tool opens it; `importRunArchive` takes it back in, checking every part first.
 */

// Off the event loop: a run with its training images is megabytes, and other clients wait meanwhile.
const gzip = promisify(gzipCallback);

/** The most an archive may hold once decompressed (a guard against decompression bombs). */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

/** The files a run folder may hold, relative to it. Nothing else is exported or imported. */
const RUN_FILE = /^(run\.json|metrics\.jsonl|previews\.jsonl|corpus\.txt|images\.bin|checkpoints\/step-\d{9}\/(model\.json|weights\.bin))$/;

const MiB = 2 ** 20;
/**
 * The most each file of a run may hold. An entry over its limit is refused from its header,
 * before any of its data is unpacked or held (a decompression bomb inside one entry).
 */
const MAX_FILE_BYTES: readonly [RegExp, number][] = [
  [/^run\.json$/, 1 * MiB],
  [/^corpus\.txt$/, 64 * MiB], // as a text file to train on
  [/^images\.bin$/, 200_000 * 784], // MAX_IMAGES binarized images
  [/^(metrics|previews)\.jsonl$/, 256 * MiB],
  [/\/model\.json$/, 16 * MiB],
  [/\/weights\.bin$/, 512 * MiB],
];

export interface RunArchive {
  /** A file name to save it under: the run id and the suffix. */
  fileName: string;
  bytes: Uint8Array;
  /** Checkpoints left out because they do not verify (damaged), with why. */
  skipped: { step: number; reason: string }[];
}

/** Packs a run's folder. Damaged checkpoints are left out (and listed); links are never followed. */
export async function exportRunArchive(run: RunHandle): Promise<RunArchive> {
  const entries: TarEntry[] = [];
  const add = async (relative: string) => {
    const path = join(run.dir, ...relative.split('/'));
    const info = await lstat(path).catch(() => null);
    if (!info?.isFile()) return false; // absent, or a link: not part of the run
    entries.push({ name: `${run.id}/${relative}`, data: new Uint8Array(await readFile(path)), mtime: Math.floor(info.mtimeMs / 1000) });
    return true;
  };
  try {
    if (!(await add('run.json'))) throw new RunStoreError(`run ${run.id} has no run.json to export`);
    for (const name of ['metrics.jsonl', 'previews.jsonl', 'corpus.txt', 'images.bin']) await add(name);
    const skipped: RunArchive['skipped'] = [];
    for (const step of (await run.checkpoints.steps()).reverse()) {
      const verdict = await verifyCheckpoint(run.checkpoints, step);
      if (verdict) {
        skipped.push({ step, reason: verdict });
        continue;
      }
      const folder = `checkpoints/step-${String(step).padStart(9, '0')}`;
      const before = entries.length;
      if (!((await add(`${folder}/model.json`)) && (await add(`${folder}/weights.bin`)))) entries.length = before; // pruned meanwhile
    }
    return { fileName: `${run.id}${RUN_ARCHIVE_SUFFIX}`, bytes: new Uint8Array(await gzip(packTar(entries), { level: 6 })), skipped };
  } catch (err) {
    if (err instanceof RunStoreError || (err as Error).name === 'RuntimeError') throw err;
    throw new RunStoreError(`cannot export run ${run.id}: ${(err as Error).message}`);
  }
}

/** Null when the checkpoint loads and verifies (size, checksum, decodable weights); else why not. */
async function verifyCheckpoint(store: CheckpointStore, step: number): Promise<string | null> {
  try {
    const { tensors } = await store.load(step);
    tf.dispose(Object.values(tensors));
    return null;
  } catch (err) {
    // Only a checkpoint whose bytes fail verification is left out; any other error (a broken
    // backend, memory) fails the export rather than silently dropping a good checkpoint.
    if (err instanceof CheckpointError) return err.message;
    throw err;
  }
}

/**
 * Adds the run in an archive to `store`, under a new id if its own is taken. Everything is
 * checked before anything is kept: the archive's format, every path in it (only a run's own
 * files; nothing can land outside the new run's folder), run.json, the training data the model
 * family needs, and every checkpoint (size, checksum, weights). A run that was training when it
 * was exported comes back interrupted (resume it). On any problem: a RunStoreError saying what,
 * and the runs folder as it was.
 */
export async function importRunArchive(
  store: RunStore,
  archive: Uint8Array,
  source = 'the archive',
  maxUnpacked = MAX_UNPACKED_BYTES,
): Promise<RunHandle> {
  const files = await readArchive(archive, source, maxUnpacked);
  const runJson = files.get('run.json');
  if (!runJson) throw new RunStoreError(`${source} holds no run.json: it is not an exported run`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(runJson));
  } catch {
    throw new RunStoreError(`${source} has a damaged run.json (not JSON text)`);
  }
  const meta = RunMeta.safeParse(parsed);
  if (!meta.success) {
    const issue = meta.error.issues[0];
    throw new RunStoreError(`${source} has a run.json this version cannot read (${issue ? `${issue.path.join('.') || 'run'}: ${issue.message}` : 'invalid'})`);
  }
  const needs = isImageModel(meta.data.model) ? 'images.bin' : 'corpus.txt';
  if (!files.has(needs)) throw new RunStoreError(`${source} lacks ${needs}, the run's training ${needs === 'images.bin' ? 'images' : 'text'}`);

  return store.adopt(files, async (dir) => {
    const checkpoints = new CheckpointStore(join(dir, 'checkpoints'));
    const steps = await checkpoints.steps();
    for (const step of steps) {
      const verdict = await verifyCheckpoint(checkpoints, step);
      if (verdict) throw new RunStoreError(`${source} holds a damaged checkpoint (step ${step}): ${verdict}`);
    }
    const wasActive = meta.data.state === 'training' || meta.data.state === 'paused';
    return {
      ...meta.data,
      state: wasActive ? 'interrupted' : meta.data.state,
      pid: null,
      pidStart: null,
      checkpointStep: steps[0] ?? null,
    };
  });
}

/**
 * The run files in a .tgz (or plain .tar), by path relative to the run folder. The archive is
 * unpacked as a stream and read entry by entry: a path that is not a run's file, or a file
 * larger than a run's file can be, is refused from its header; unpacking stops once the
 * running count passes `maxUnpacked`. Only accepted files are held, each at most its limit.
 */
async function readArchive(archive: Uint8Array, source: string, maxUnpacked: number): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const reader = new TarReader();
  let top: string | null = null;
  let current: { data: Uint8Array; at: number } | null = null;
  let unpacked = 0;
  const refuse = (why: string): never => {
    throw new RunStoreError(`${source} ${why}`);
  };
  const take = (chunk: Uint8Array) => {
    unpacked += chunk.byteLength;
    if (unpacked > maxUnpacked) refuse(`unpacks to more than ${(maxUnpacked / MiB).toFixed(maxUnpacked < MiB ? 3 : 0)} MiB: not a run archive`);
    let events;
    try {
      events = reader.push(chunk);
    } catch (err) {
      if (err instanceof TarError) refuse(`is not a run archive: ${err.message}`);
      throw err;
    }
    for (const e of events) {
      if (e.kind === 'file') {
        top ??= e.name.split('/')[0]!;
        const relative = e.name.startsWith(`${top}/`) ? e.name.slice(top.length + 1) : null;
        if (relative === null || !RUN_FILE.test(relative)) refuse(`holds "${clip(e.name)}", which is not part of a run: not importing it`);
        if (files.has(relative!)) refuse(`holds "${clip(e.name)}" twice`);
        const limit = MAX_FILE_BYTES.find(([pattern]) => pattern.test(relative!))?.[1] ?? 0;
        if (e.size > limit) refuse(`holds "${clip(e.name)}" of ${(e.size / MiB).toFixed(0)} MiB; a run's ${relative!.split('/').at(-1)} is at most ${(limit / MiB).toFixed(0)} MiB: not importing it`);
        current = { data: new Uint8Array(e.size), at: 0 };
        files.set(relative!, current.data);
      } else if (e.kind === 'data' && current) {
        current.data.set(e.bytes, current.at);
        current.at += e.bytes.byteLength;
      }
    }
  };
  if (archive[0] === 0x1f && archive[1] === 0x8b) {
    // Streamed: never more than one chunk of unpacked data beyond the files kept.
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const input = Readable.from([archive]);
    input.pipe(gunzip);
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) take(chunk);
    } catch (err) {
      if (err instanceof RunStoreError) throw err;
      refuse('is damaged (its compression does not decode)');
    } finally {
      input.unpipe(gunzip);
      gunzip.destroy();
      input.destroy();
    }
  } else {
    take(archive);
  }
  try {
    reader.finish();
  } catch (err) {
    if (err instanceof TarError) refuse(`is not a run archive: ${err.message}`);
    throw err;
  }
  if (files.size === 0) refuse('is empty');
  return files;
}

function clip(s: string): string {
  return s.length <= 80 ? s : `${s.slice(0, 79)}…`;
}

import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';

/**
 * The one place files from outside the app are read (text, PNG, IDX, run files, checkpoints):
 * regular files only. A FIFO, a device or a socket is refused before it is opened for reading,
 * and the file is opened with O_NONBLOCK and checked again on its handle, so a FIFO swapped in
 * meanwhile can never block a thread of the worker (four blocked opens would stall every file
 * access). With `below`, no part of the path under that folder may be a symbolic link
 * (each is checked with lstat, and the file itself is opened with O_NOFOLLOW).
 */

export type FileRefusalReason = 'missing' | 'folder' | 'not-regular' | 'link' | 'too-big' | 'denied';

/** Why a file was not read; `message` is short and never quotes the file's contents. */
export class FileRefusal extends Error {
  override name = 'FileRefusal';
  constructor(
    readonly reason: FileRefusalReason,
    message: string,
    /** The file's size, for 'too-big'. */
    readonly size?: number,
  ) {
    super(message);
  }
}

export interface ReadRegularOptions {
  /** Larger files are refused ('too-big') before they are read. */
  maxBytes: number;
  /** A folder the path lies in: no path component below it may be a symbolic link. */
  below?: string;
}

const O_NONBLOCK = fsConstants.O_NONBLOCK ?? 0;
const O_NOFOLLOW = fsConstants.O_NOFOLLOW ?? 0;

/** Reads a regular file whole (see the module comment). Throws FileRefusal, or the fs error for other failures. */
export async function readRegularFile(path: string, options: ReadRegularOptions): Promise<Uint8Array> {
  const noFollow = options.below !== undefined;
  const before = await inspect(path, options.below);
  checkStats(before, options.maxBytes);
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0));
  } catch (err) {
    throw refusalOf(err) ?? err;
  }
  try {
    const info = await handle.stat();
    checkStats(info, options.maxBytes);
    // Read to the end, never more than the limit (the file may grow meanwhile).
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(Math.max(info.size - total, 64 * 1024), options.maxBytes + 1 - total);
      const buffer = new Uint8Array(Math.max(1, want));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) throw new FileRefusal('too-big', `it is larger than ${describeSize(options.maxBytes)}`, total);
    }
    if (chunks.length === 1 && chunks[0]!.byteLength === chunks[0]!.buffer.byteLength) return chunks[0]!;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/** stat (or, below a guarded folder, lstat of every component) of `path`. */
async function inspect(path: string, below: string | undefined): Promise<Stats> {
  try {
    if (below === undefined) return await stat(path);
    const root = resolve(below);
    const target = resolve(path);
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== target) throw new FileRefusal('link', 'it is not inside its folder');
    let at = root;
    let info: Stats | undefined;
    for (const part of rel.split(sep)) {
      at = `${at}${sep}${part}`;
      info = await lstat(at);
      if (info.isSymbolicLink()) throw new FileRefusal('link', `${at === target ? 'it' : `"${part}" in its path`} is a symbolic link, which is never followed here`);
    }
    return info!;
  } catch (err) {
    throw refusalOf(err) ?? err;
  }
}

function checkStats(info: Stats, maxBytes: number): void {
  if (info.isDirectory()) throw new FileRefusal('folder', 'it is a folder, not a file');
  // A FIFO, a device or a socket would block or never end: regular files only.
  if (!info.isFile()) throw new FileRefusal('not-regular', 'it is not a regular file (a pipe, a device or a socket)');
  if (info.size > maxBytes) throw new FileRefusal('too-big', `it is ${describeSize(info.size)}; at most ${describeSize(maxBytes)} is read`, info.size);
}

function refusalOf(err: unknown): FileRefusal | null {
  if (err instanceof FileRefusal) return err;
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return new FileRefusal('missing', 'it does not exist');
    case 'ENOTDIR':
      return new FileRefusal('missing', 'a part of its path is a file, not a folder');
    case 'EACCES':
    case 'EPERM':
      return new FileRefusal('denied', 'permission denied');
    case 'ELOOP':
    case 'EMLINK': // FreeBSD's O_NOFOLLOW on a link
      return new FileRefusal('link', 'it is a symbolic link, which is never followed here');
    case 'ENXIO': // a socket, or a FIFO's other end
    case 'EISDIR':
      return new FileRefusal('not-regular', 'it is not a regular file (a pipe, a device or a socket)');
    default:
      return null;
  }
}

function describeSize(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : `${bytes} bytes`;
}

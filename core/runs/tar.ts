/**
 * The POSIX ustar format, enough for run archives: regular files and folders, written in
 * memory, read whole or as a stream (TarReader). Anything else a reader meets (links, devices, a bad checksum, a truncated entry)
 * is an error naming the entry, never followed.
 */

export interface TarEntry {
  /** A relative path with '/' separators. */
  name: string;
  data: Uint8Array;
  /** Seconds since the epoch (default: now). */
  mtime?: number;
}

export class TarError extends Error {
  override name = 'TarError';
}

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** One archive holding `entries` (files only; folders are implied by the paths). */
export function packTar(entries: readonly TarEntry[]): Uint8Array {
  const size = entries.reduce((n, e) => n + BLOCK + padded(e.data.byteLength), 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const e of entries) {
    out.set(header(e), at);
    at += BLOCK;
    out.set(e.data, at);
    at += padded(e.data.byteLength);
  }
  return out; // ends with two zero blocks
}

/** The regular files of an archive, in order. Folder entries are skipped. */
export function unpackTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let current: { entry: TarEntry; at: number } | null = null;
  const reader = new TarReader();
  for (const e of reader.push(bytes)) {
    if (e.kind === 'file') {
      current = { entry: { name: e.name, data: new Uint8Array(e.size), mtime: e.mtime }, at: 0 };
      entries.push(current.entry);
    } else if (e.kind === 'data' && current) {
      current.entry.data.set(e.bytes, current.at);
      current.at += e.bytes.byteLength;
    }
  }
  reader.finish();
  return entries;
}

/** What a TarReader meets: a file's header (before its data), a piece of its data, the end marker. */
export type TarEvent =
  | { kind: 'file'; name: string; size: number; mtime: number }
  /** A view into the chunk given to push: copy it to keep it. */
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'end' };

/**
 * Reads an archive as it arrives, chunk by chunk, so a caller can refuse an entry from its
 * header (its name, its size) before any of its data is held. Errors as unpackTar's.
 */
export class TarReader {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  /** Data bytes of the current entry still to come, then its padding. */
  private dataLeft = 0;
  private padLeft = 0;
  private currentName = '';
  private currentIsFile = false;
  private blocks = 0;
  private ended = false;

  /** The events in `chunk`; after the end marker, nothing (the rest is ignored). */
  push(chunk: Uint8Array): TarEvent[] {
    const events: TarEvent[] = [];
    let at = 0;
    while (at < chunk.byteLength && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.byteLength - at);
        if (this.currentIsFile) events.push({ kind: 'data', bytes: chunk.subarray(at, at + n) });
        this.dataLeft -= n;
        at += n;
      } else if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.byteLength - at);
        this.padLeft -= n;
        at += n;
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.byteLength - at);
        this.header.set(chunk.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          const event = this.readHeader();
          if (event) events.push(event);
        }
      }
    }
    return events;
  }

  /** The archive has ended: throws TarError if it stopped inside an entry, or held nothing. */
  finish(): void {
    if (this.ended) return;
    if (this.dataLeft > 0) throw new TarError(`the archive is truncated: ${quote(this.currentName)} lacks its last ${this.dataLeft} bytes`);
    if (this.blocks === 0) throw new TarError('the file is not a tar archive (too short)');
    if (this.headerFill > 0) throw new TarError('the archive is truncated');
    // no end marker: tolerated
  }

  private readHeader(): TarEvent | null {
    const block = this.header;
    if (block.every((b) => b === 0)) {
      this.ended = true;
      return { kind: 'end' };
    }
    const first = this.blocks === 0;
    this.blocks++;
    let name: string;
    try {
      name = readName(block);
      if (checksum(block) !== readOctal(block, 148, 8, name)) throw new TarError(`the archive is damaged: the header of ${quote(name)} fails its checksum`);
    } catch (err) {
      if (first && err instanceof TarError) throw new TarError('the file is not a tar archive');
      throw err;
    }
    const size = readOctal(block, 124, 12, name);
    const type = String.fromCharCode(block[156]!);
    if (type !== '0' && type !== '\0' && type !== '5') {
      throw new TarError(`the archive holds ${quote(name)}, which is not a plain file or folder (tar type '${type}')`);
    }
    this.currentName = name;
    this.currentIsFile = type !== '5';
    this.dataLeft = size;
    this.padLeft = padded(size) - size;
    return this.currentIsFile ? { kind: 'file', name, size, mtime: readOctal(block, 136, 12, name) } : null;
  }
}

/** A name for a message: quoted, control characters escaped, at most 80 characters. */
function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length <= 82 ? q : `${q.slice(0, 80)}…"`;
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

function header(e: TarEntry): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(e.name);
  h.set(name, 0);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, e.data.byteLength);
  writeOctal(h, 136, 12, Math.floor(e.mtime ?? Date.now() / 1000));
  h[156] = '0'.charCodeAt(0);
  h.set(encoder.encode('ustar\0'), 257);
  h.set(encoder.encode('00'), 263);
  h.set(prefix, 345);
  h.fill(' '.charCodeAt(0), 148, 156);
  writeOctal(h, 148, 7, checksum(h));
  return h;
}

/** ustar keeps a path as prefix (≤ 155 bytes) + '/' + name (≤ 100 bytes). */
function splitName(path: string): [Uint8Array, Uint8Array] {
  const whole = encoder.encode(path);
  if (whole.byteLength <= 100) return [new Uint8Array(0), whole];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
    const prefix = encoder.encode(path.slice(0, cut));
    const name = encoder.encode(path.slice(cut + 1));
    if (prefix.byteLength <= 155 && name.byteLength <= 100) return [prefix, name];
  }
  throw new TarError(`"${path}" is too long for a tar archive`);
}

function readName(block: Uint8Array): string {
  const field = (from: number, length: number) => {
    const raw = block.subarray(from, from + length);
    const end = raw.indexOf(0);
    try {
      return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
    } catch {
      throw new TarError('the archive is damaged: an entry name is not UTF-8');
    }
  };
  const name = field(0, 100);
  const ustar = field(257, 6) === 'ustar';
  const prefix = ustar ? field(345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function readOctal(block: Uint8Array, from: number, length: number, name: string): number {
  const text = String.fromCharCode(...block.subarray(from, from + length)).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new TarError(`the archive is damaged: the header of ${quote(name)} is not a tar header`);
  return text === '' ? 0 : parseInt(text, 8);
}

function writeOctal(block: Uint8Array, from: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  if (text.length > length - 1) throw new TarError(`${value} does not fit a tar header field`);
  block.set(encoder.encode(text), from);
  block[from + length - 1] = 0;
}

/** The header's checksum: every byte summed, the checksum field counted as spaces. */
function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

/**
 * The POSIX ustar format, enough for run archives: regular files and folders, written and read
 * in memory. Anything else a reader meets (links, devices, a bad checksum, a truncated entry)
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
  let at = 0;
  while (at + BLOCK <= bytes.byteLength) {
    const block = bytes.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) return entries; // the end marker
    let name: string;
    try {
      name = readName(block);
      if (checksum(block) !== readOctal(block, 148, 8, name)) throw new TarError(`the archive is damaged: the header of ${quote(name)} fails its checksum`);
    } catch (err) {
      if (at === 0 && err instanceof TarError) throw new TarError('the file is not a tar archive');
      throw err;
    }
    const size = readOctal(block, 124, 12, name);
    const type = String.fromCharCode(block[156]!);
    at += BLOCK;
    if (at + size > bytes.byteLength) throw new TarError(`the archive is truncated: ${quote(name)} needs ${size} bytes, ${bytes.byteLength - at} are left`);
    if (type === '0' || type === '\0') {
      entries.push({ name, data: bytes.slice(at, at + size), mtime: readOctal(block, 136, 12, name) });
    } else if (type !== '5') {
      throw new TarError(`the archive holds ${quote(name)}, which is not a plain file or folder (tar type '${type}')`);
    }
    at += padded(size);
  }
  if (at === bytes.byteLength && entries.length > 0) return entries; // no end marker: tolerated
  throw new TarError(at === 0 ? 'the file is not a tar archive (too short)' : 'the archive is truncated');
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

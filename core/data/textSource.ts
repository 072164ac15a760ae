import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { DatasetError } from '../errors.ts';
import { loadBuiltinCorpus } from './builtinCorpora.ts';
import type { TextSource } from './source.ts';

export interface LoadedText {
  /** A short name for the UI and run.json (corpus name or file name). */
  name: string;
  text: string;
}

const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** Reads a text source; an empty, binary or non-UTF-8 input raises DatasetError. */
export async function loadTextSource(source: TextSource): Promise<LoadedText> {
  switch (source.kind) {
    case 'builtin':
      return { name: source.name, text: loadBuiltinCorpus(source.name) };
    case 'upload':
      return { name: source.name, text: decodeText(source.name, source.bytes) };
    case 'file': {
      const name = basename(source.path);
      let bytes: Uint8Array;
      try {
        const info = await stat(source.path);
        if (info.isDirectory()) throw new DatasetError(`"${source.path}" is a folder, not a text file`);
        // A device or a pipe (/dev/zero, a FIFO) would never end or block the worker: regular files only.
        if (!info.isFile()) throw new DatasetError(`"${source.path}" is not a regular file`);
        if (info.size > MAX_TEXT_BYTES) throw new DatasetError(`"${name}" is ${(info.size / 2 ** 20).toFixed(0)} MiB; text files over 64 MiB are not supported`);
        bytes = await readFile(source.path);
      } catch (err) {
        if (err instanceof DatasetError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
        throw new DatasetError(`cannot read the text file "${source.path}": ${why}`);
      }
      return { name, text: decodeText(name, bytes) };
    }
  }
}

/** Strict UTF-8 decoding with the checks a user needs to hear about. */
export function decodeText(name: string, bytes: Uint8Array): string {
  if (bytes.byteLength === 0) throw new DatasetError(`the file "${name}" is empty: choose a file that contains text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(`the file "${name}" is not UTF-8 text: save it as UTF-8 (plain text) and try again`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Binary files often decode as UTF-8 by chance but are full of control characters.
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12)) control++;
  }
  if (control > 0 && control / text.length > 0.01) {
    throw new DatasetError(`the file "${name}" looks like a binary file, not text: choose a plain-text (UTF-8) file`);
  }
  text = text.replace(/\r\n?/g, '\n');
  if (text.trim().length === 0) throw new DatasetError(`the file "${name}" holds only whitespace: choose a file that contains text`);
  return text;
}

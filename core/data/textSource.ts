import { basename } from 'node:path';
import { DatasetError } from '../errors.ts';
import { loadBuiltinCorpus } from './builtinCorpora.ts';
import { FileRefusal, readRegularFile } from './regularFile.ts';
import type { TextSource } from './source.ts';

export interface LoadedText {
  /** A short name for the UI and run.json (corpus name or file name). */
  name: string;
  text: string;
  /** What was changed on the way in, for the user (e.g. terminal escape sequences removed). */
  notices: string[];
}

export interface DecodedText {
  text: string;
  /** How many terminal escape sequences (ANSI colours, titles…) were removed. */
  removedEscapes: number;
}

const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/** Reads a text source; an empty, binary or non-UTF-8 input raises DatasetError. */
export async function loadTextSource(source: TextSource): Promise<LoadedText> {
  switch (source.kind) {
    case 'builtin':
      return { name: source.name, text: loadBuiltinCorpus(source.name), notices: [] };
    case 'upload':
      return loaded(source.name, decodeTextFile(source.name, source.bytes));
    case 'file': {
      const name = basename(source.path);
      let bytes: Uint8Array;
      try {
        bytes = await readRegularFile(source.path, { maxBytes: MAX_TEXT_BYTES });
      } catch (err) {
        if (err instanceof FileRefusal) {
          if (err.reason === 'folder') throw new DatasetError(`"${source.path}" is a folder, not a text file`);
          if (err.reason === 'too-big') throw new DatasetError(`"${name}" is ${((err.size ?? 0) / 2 ** 20).toFixed(0)} MiB; text files over 64 MiB are not supported`);
          throw new DatasetError(`cannot read the text file "${source.path}": ${err.message}`);
        }
        throw new DatasetError(`cannot read the text file "${source.path}": ${(err as Error).message}`);
      }
      return loaded(name, decodeTextFile(name, bytes));
    }
  }
}

function loaded(name: string, decoded: DecodedText): LoadedText {
  const notices =
    decoded.removedEscapes > 0
      ? [`Removed ${decoded.removedEscapes} terminal escape sequences (ANSI colours, titles) from "${name}"; the rest of the text is used as it is.`]
      : [];
  return { name, text: decoded.text, notices };
}

/**
 * Terminal escape sequences: CSI (ESC [ … final, or the 8-bit CSI), OSC and the other string
 * commands (ESC ] … BEL or ST, DCS, SOS, PM, APC), and the short ESC sequences (ESC 7, ESC ( B …).
 */
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)|\x1b[ -/]*[0-~]/g;

/** What a file is by its first bytes, when it is a well-known binary kind (an image, an archive), else null. */
function binaryKind(b: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'a GIF image';
  if (starts(0x52, 0x49, 0x46, 0x46) && b[8] === 0x57 && b[9] === 0x45) return 'a WebP image';
  if (starts(0x1f, 0x8b)) return 'a gzip archive';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a ZIP archive';
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (starts(0x00, 0x00, 0x08)) return 'an IDX image file';
  return null;
}

/** Strict UTF-8 decoding with the checks a user needs to hear about (see decodeTextFile). */
export function decodeText(name: string, bytes: Uint8Array): string {
  return decodeTextFile(name, bytes).text;
}

/**
 * Strict UTF-8 decoding; terminal escape sequences (a file saved from a coloured terminal) are
 * removed and counted. What is still mostly control characters is refused as binary.
 */
export function decodeTextFile(name: string, bytes: Uint8Array): DecodedText {
  if (bytes.byteLength === 0) throw new DatasetError(`the file "${name}" is empty: choose a file that contains text`);
  const kind = binaryKind(bytes);
  if (kind) throw new DatasetError(`the file "${name}" is ${kind}, not text: choose a plain-text (UTF-8) file${kind.includes('image') ? ' (images belong in the Image lab)' : ''}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetError(`the file "${name}" is not UTF-8 text: save it as UTF-8 (plain text) and try again`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let removedEscapes = 0;
  if (/[\x1b\x90\x98\x9b\x9d-\x9f]/.test(text)) {
    text = text.replace(ESCAPE_SEQUENCE, () => {
      removedEscapes++;
      return '';
    });
  }
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
  return { text, removedEscapes };
}

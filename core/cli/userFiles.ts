import { readFile, writeFile } from 'node:fs/promises';
import { describeFileError, UserError } from './exitStatus.ts';

function fileError(err: unknown, path: string, flag: string): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  return new UserError(`${flag}: ${code ? describeFileError(code, path) : `cannot use ${path} (${(err as Error).message})`}`);
}

/** A file the person named: its bytes; one not there is `--flag: file not found: PATH` (exit 1). */
export async function readUserFile(path: string, flag: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw fileError(err, path, flag);
  }
}

/** Writes a file the person named; `exclusive`: never over an existing one. */
export async function writeUserFile(path: string, data: Uint8Array | string, flag: string, exclusive = false): Promise<void> {
  try {
    await writeFile(path, data, exclusive ? { flag: 'wx' } : {});
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${flag}: ${path} exists already; choose another ${flag}`);
    if (code === 'ENOENT') throw new UserError(`${flag}: cannot write ${path}: its folder does not exist`);
    throw fileError(err, path, flag);
  }
}

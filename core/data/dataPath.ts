import { realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep, win32 } from 'node:path';
import { DatasetError } from '../errors.ts';

/**
 * Who may name files on the worker's machine by path.
 * - 'any': the command line, where the person types the path themselves;
 * - 'datasets': every protocol client (the desktop window, a browser in web mode): a path names a
 *   file inside the data folder's `datasets/` and nothing else.
 */
export type FileAccess = 'any' | 'datasets';

/** `<home>/datasets`: where files a protocol client may name by path live. */
export function datasetsFolder(home: string): string {
  return join(resolve(home), 'datasets');
}

/**
 * Resolves a dataset path a protocol client gave: relative to `root`, with no `..`, no absolute
 * or drive path, no NUL, and — after following links — still inside `root` (a symbolic link
 * that leads outside is refused). Returns the real path. Throws DatasetError with the reason.
 */
export async function resolveDatasetPath(root: string, requested: string): Promise<string> {
  const shown = requested.length <= 120 ? requested : `${requested.slice(0, 119)}…`;
  const refuse = (why: string): never => {
    throw new DatasetError(`the dataset path "${shown}" is refused: ${why}`);
  };
  if (requested.length === 0) refuse('it is empty');
  if (requested.includes('\0')) refuse('it contains a NUL character');
  if (isAbsolute(requested) || win32.isAbsolute(requested) || /^[A-Za-z]:/.test(requested)) {
    refuse(`give a path relative to the datasets folder (${root}), not an absolute one`);
  }
  if (requested.split(/[\\/]+/).some((segment) => segment === '..')) refuse('it may not use ".." to leave the datasets folder');
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    throw new DatasetError(`there is no datasets folder yet: put the files to train on in ${root}`);
  }
  let real: string;
  try {
    real = await realpath(resolve(root, requested));
  } catch {
    throw new DatasetError(`there is no file "${shown}" in the datasets folder (${root})`);
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) refuse('it leads outside the datasets folder (through a symbolic link)');
  return real;
}

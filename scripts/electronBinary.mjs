import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const MISSING_BINARY =
  "Electron's binary is not installed (it is downloaded on install and this machine could not fetch it)";

/**
 * Finds Electron's executable without triggering a download: the `electron` package's own
 * `require('electron')` tries to fetch a missing binary from the internet, so it is only called
 * once path.txt and the file it names are known to exist.
 *
 * @param {string} root the project folder
 * @returns {{ path: string, reason: null } | { path: null, reason: string }}
 */
export function findElectronBinary(root) {
  const require = createRequire(join(root, 'package.json'));
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed (run npm install)' };
  }
  if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return { path: null, reason: MISSING_BINARY };
    const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    if (!existsSync(binary)) return { path: null, reason: MISSING_BINARY };
  }
  let binary;
  try {
    binary = require('electron');
  } catch {
    return { path: null, reason: MISSING_BINARY };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { path: null, reason: MISSING_BINARY };
  return { path: binary, reason: null };
}

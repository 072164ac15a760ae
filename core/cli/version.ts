import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The packages whose versions `ars --version` lists (without loading them). */
const ENGINE_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
];

const here = dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);

function packageVersion(file: string): string | null {
  try {
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** This package's version (package.json), e.g. `0.1.0`. */
export function arsVersion(): string {
  return packageVersion(join(here, '..', '..', 'package.json')) ?? 'unknown';
}

/** The installed version of a package, or null when it is not installed. Reads its package.json only. */
function installedVersion(name: string): string | null {
  try {
    return packageVersion(requireHere.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/**
 * `ars --version`: the version on the first line, then Node.js and the TensorFlow.js packages
 * (the backends) that are installed. Cheap: nothing is loaded.
 */
export function versionText(): string {
  const lines = [`ars ${arsVersion()}`, `node ${process.versions.node}`];
  for (const name of ENGINE_PACKAGES) lines.push(`${name} ${installedVersion(name) ?? 'not installed'}`);
  return lines.join('\n');
}

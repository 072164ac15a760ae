#!/usr/bin/env node
/**
 * Builds the project's WebAssembly kernels from their AssemblyScript sources
 * (core/tensor/wasm/assembly/*.ts) into build/wasm/ (git-ignored):
 *
 *   ars-kernels-relaxed.wasm   SIMD + relaxed SIMD (fused multiply-add) + threads
 *   ars-kernels-simd.wasm      SIMD + threads (the fallback where relaxed SIMD is off)
 *
 * Both import one shared memory ('env.memory') so worker threads can compute on the same data.
 * Each build embeds a hash of the sources (exported as `sourceHash()`), so the loader can tell
 * a stale build from a current one. Run by `npm run build:wasm` and by npm's `prepare` (every
 * `npm install` / `npm ci`); needs only the `assemblyscript` devDependency.
 *
 * Usage: node core/tensor/wasm/build.mjs [--check]   (--check: exit 1 when a build is missing or stale)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// Node 20 (V8 11.3) validates relaxed SIMD only behind this flag; later versions have it on.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const sourceDir = path.join(here, 'assembly');
const outDir = path.join(root, 'build', 'wasm');

/** Pages of 64 KiB: the memory the modules import is at most this large (2 GiB). */
export const MAXIMUM_PAGES = 32768;

export const VARIANTS = [
  { name: 'relaxed', features: ['simd', 'relaxed-simd', 'threads'] },
  { name: 'simd', features: ['simd', 'threads'] },
];

/** A 31-bit hash of every source file (name and contents), in name order. */
export function sourceHash(dir = sourceDir) {
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(name);
    hash.update('\0');
    hash.update(fs.readFileSync(path.join(dir, name)));
    hash.update('\0');
  }
  return hash.digest().readUInt32LE(0) & 0x7fffffff;
}

export function outputPath(variant) {
  return path.join(outDir, `ars-kernels-${variant}.wasm`);
}

/** The hash a built module carries, or null when it is missing or unreadable. */
async function builtHash(file) {
  try {
    const bytes = fs.readFileSync(file);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: true });
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    return instance.exports.sourceHash();
  } catch {
    return null;
  }
}

async function build(variant, hash) {
  const { default: asc } = await import('assemblyscript/asc');
  const file = outputPath(variant.name);
  const args = [
    path.join(sourceDir, 'index.ts'),
    '--outFile', file,
    '-O3', '--noAssert',
    '--runtime', 'stub',
    '--importMemory', '--sharedMemory',
    '--initialMemory', '1',
    '--maximumMemory', String(MAXIMUM_PAGES),
    '--use', 'abort=',
    '--use', `ARS_SOURCE_HASH=${hash}`,
    ...variant.features.flatMap((f) => ['--enable', f]),
  ];
  let errors = '';
  const { error } = await asc.main(args, {
    stdout: { write: () => true },
    stderr: { write: (chunk) => ((errors += String(chunk)), true) },
  });
  if (error) throw new Error(`asc failed for ${variant.name}: ${error.message}\n${errors}`);
  return file;
}

async function main() {
  const check = process.argv.includes('--check');
  if (!fs.existsSync(sourceDir)) {
    console.error(`build-wasm: no sources at ${sourceDir}`);
    process.exit(1);
  }
  const hash = sourceHash();
  fs.mkdirSync(outDir, { recursive: true });
  let stale = 0;
  for (const variant of VARIANTS) {
    const file = outputPath(variant.name);
    const current = (await builtHash(file)) === hash;
    if (check) {
      if (!current) {
        console.error(`build-wasm: ${path.relative(root, file)} is ${fs.existsSync(file) ? 'stale' : 'missing'}`);
        stale++;
      }
      continue;
    }
    if (current && !process.argv.includes('--force')) continue;
    const started = Date.now();
    await build(variant, hash);
    const size = fs.statSync(file).size;
    console.log(`build-wasm: ${path.relative(root, file)} (${(size / 1024).toFixed(1)} KiB, ${Date.now() - started} ms)`);
  }
  if (check && stale > 0) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`build-wasm: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

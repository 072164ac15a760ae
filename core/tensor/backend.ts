/**
 * Backend choice and tfjs set-up for the worker side (worker, CLI, tests). Node-only.
 *
 * The ladder, best first: `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, CUDA), `webgpu`,
 * `tensorflow` (@tensorflow/tfjs-node), `wasm` (@tensorflow/tfjs-backend-wasm plus the project's
 * kernel fixes), `cpu` (pure JS). The native packages are optional dependencies: each rung is
 * tried in turn and the reason it was skipped is recorded. `prefer` (or env `ARS_BACKEND`)
 * starts the ladder at a given rung.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { registerWasmKernels, type ProjectKernelsStatus } from './wasmKernelRegistry.ts';
import { registerWebgpuKernelFixes } from './tfjsWebgpuFixes.ts';
import { describeAdapter, installNavigatorGpu, probeWebGpu, type GpuAdapter, type WebGpuProbe } from './webgpu.ts';
import { AUTO, BACKEND_LADDER, parseBackendName, type BackendName } from './backendNames.ts';

export { AUTO, BACKEND_LADDER, parseBackendName, type BackendName };

/**
 * One rung of the ladder. `available`: the rung was initialised, or — for a rung that was not
 * tried — a cheap check (its package is installed) says it could be. `reason` says why it was
 * used, skipped or not tried.
 */
export interface BackendRung {
  name: string;
  available: boolean;
  reason: string;
}

/** Matches the `BackendInfo` schema in core/protocol/messages.ts. */
export interface BackendInfo {
  /** The rung in use: 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  backend: string;
  /** CPU model for CPU rungs, GPU name for GPU rungs where knowable. */
  device: string;
  /** Threads the backend computes with. */
  threads: number;
  rungs: BackendRung[];
  versions: Record<string, string>;
  /** GPU adapters WebGPU found (empty where none, or where the webgpu rung was not tried). */
  gpus?: GpuAdapter[];
  /** The CUDA libraries tfjs-node-gpu needs, found or not (Linux). */
  cuda?: { library: string; found: boolean }[];
}

/** The npm package each rung needs (cpu ships with @tensorflow/tfjs). */
const PACKAGES: Record<BackendName, string[]> = {
  'tensorflow-gpu': ['@tensorflow/tfjs-node-gpu'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu', 'webgpu'],
  tensorflow: ['@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: [],
};

/** The name tfjs registers each rung's backend under. */
const TFJS_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const nodeRequire = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------

interface Success {
  ok: true;
  device: string;
  threads: number;
  note: string;
  versions: Record<string, string>;
}
interface Failure {
  ok: false;
  reason: string;
}
type Attempt = Success | Failure;

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown error';
}

function isInstalled(pkg: string): boolean {
  try {
    nodeRequire.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    try {
      nodeRequire.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  }
}

function packageVersion(pkg: string): string | undefined {
  try {
    return (nodeRequire(`${pkg}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  const model = os.cpus()[0]?.model?.trim();
  return model && model.length > 0 ? model : `${os.arch()} CPU`;
}

function cpuThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/** Loads a CommonJS package, or says in one line why it cannot be loaded. */
function loadPackage(pkg: string): { ok: true; module: unknown } | Failure {
  if (!isInstalled(pkg)) return { ok: false, reason: `package ${pkg} is not installed` };
  try {
    return { ok: true, module: nodeRequire(pkg) as unknown };
  } catch (error) {
    return { ok: false, reason: `${pkg} failed to load: ${firstLine(error)}` };
  }
}

async function activate(tfjsName: string): Promise<Failure | null> {
  if (tf.findBackendFactory(tfjsName) == null) {
    return { ok: false, reason: `the package loaded but registered no '${tfjsName}' backend with this copy of tfjs` };
  }
  try {
    const ok = await tf.setBackend(tfjsName);
    if (!ok) return { ok: false, reason: `backend '${tfjsName}' failed to initialise` };
    await tf.ready();
    return null;
  } catch (error) {
    return { ok: false, reason: `backend '${tfjsName}' failed to initialise: ${firstLine(error)}` };
  }
}

function nativeThreads(): number {
  const env = Number.parseInt(process.env.TF_NUM_INTRAOP_THREADS ?? '', 10);
  return Number.isFinite(env) && env > 0 ? env : cpuThreads();
}

function gpuName(): string {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 3000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const names = out.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    if (names.length > 0) return names.length === 1 ? names[0] : `${names[0]} (+${names.length - 1} more)`;
  } catch {
    // nvidia-smi missing or failing: the name is not knowable this way.
  }
  return 'CUDA GPU (name unknown)';
}

async function tryTensorflow(gpu: boolean): Promise<Attempt> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const loaded = loadPackage(pkg);
  if (!loaded.ok) return loaded;
  const failure = await activate('tensorflow');
  if (failure) return failure;
  return {
    ok: true,
    device: gpu ? gpuName() : cpuModel(),
    threads: nativeThreads(),
    note: gpu ? 'CUDA through libtensorflow' : 'libtensorflow on the CPU',
    versions: { [pkg.slice('@tensorflow/'.length)]: packageVersion(pkg) ?? 'unknown' },
  };
}

let lastProbe: WebGpuProbe | null = null;

/** tfjs-node-gpu 4.x loads CUDA 11.2 and cuDNN 8 by these names (CUDA 12 does not do). */
const CUDA_LIBRARIES = ['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8'];

function cudaLibraries(): { library: string; found: boolean }[] | undefined {
  if (process.platform !== 'linux') return undefined;
  let listing = '';
  try {
    listing = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // no ldconfig: look only along LD_LIBRARY_PATH
  }
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return CUDA_LIBRARIES.map((library) => ({
    library,
    found: listing.includes(library) || dirs.some((d) => fs.existsSync(path.join(d, library))),
  }));
}

async function tryWebgpu(): Promise<Attempt> {
  const missing = PACKAGES.webgpu.filter((p) => !isInstalled(p));
  if (missing.length > 0) return { ok: false, reason: missingPackages(missing) };
  // Look for an adapter in a child process first: no GPU, no Vulkan, or a driver that hangs
  // must cost well under a second and never the worker.
  const probe = (lastProbe = await probeWebGpu());
  if (!probe.ok) return { ok: false, reason: probe.reason };
  try {
    await installNavigatorGpu();
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(error)}` };
  }
  const failure = await activate('webgpu');
  if (failure) return failure;
  registerWebgpuKernelFixes();
  const a = probe.adapter;
  return {
    ok: true,
    device: describeAdapter(a),
    threads: 1,
    note: `WebGPU through Dawn on ${describeAdapter(a)}${a.description ? ` (${a.description})` : ''}; max buffer ${Math.round((a.limits.maxBufferSize ?? 0) / 2 ** 20)} MiB`,
    versions: { 'tfjs-backend-webgpu': packageVersion('@tensorflow/tfjs-backend-webgpu') ?? 'unknown', webgpu: packageVersion('webgpu') ?? 'unknown' },
  };
}

let wasmPathsSet = false;

interface WasmPackage {
  setWasmPaths(prefixOrFileMap: string): void;
  getThreadsCount(): number;
  version_wasm: string;
}

async function tryWasm(): Promise<Attempt> {
  const pkg = '@tensorflow/tfjs-backend-wasm';
  if (!isInstalled(pkg)) return { ok: false, reason: `package ${pkg} is not installed` };
  let wasm: WasmPackage;
  try {
    wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  } catch (error) {
    return { ok: false, reason: `${pkg} failed to load: ${firstLine(error)}` };
  }
  const dir = wasmDirectory();
  if (dir == null) return { ok: false, reason: `no .wasm binaries found next to ${pkg} (set ARS_WASM_DIR)` };
  if (!wasmPathsSet && tf.findBackend('wasm') == null) {
    try {
      // A directory prefix with a trailing separator; no platform fetch (it breaks in Node).
      wasm.setWasmPaths(dir);
      wasmPathsSet = true;
    } catch (error) {
      return { ok: false, reason: `setWasmPaths failed: ${firstLine(error)}` };
    }
  }
  const failure = await activate('wasm');
  if (failure) return failure;
  let ars: ProjectKernelsStatus;
  try {
    // The fixes for tfjs-wasm, then the project's kernels (GEMM, fused ops; their own threads).
    ars = registerWasmKernels();
  } catch (error) {
    return { ok: false, reason: `wasm kernel fixes failed to register: ${firstLine(error)}` };
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const tfjsThreads = wasm.getThreadsCount();
  const threads = ars.ok ? Math.max(tfjsThreads, ars.threads) : tfjsThreads;
  const kernels = ars.ok
    ? `project kernels (${ars.variant === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}, ${ars.threads} thread${ars.threads === 1 ? '' : 's'})`
    : `project kernels not in use: ${ars.reason}`;
  return {
    ok: true,
    device: cpuModel(),
    threads,
    note:
      `${simd ? 'SIMD' : 'no SIMD'}, tfjs ${tfjsThreads} thread${tfjsThreads === 1 ? '' : 's'}` +
      (tfjsThreads === 1 && isNode() ? ' (tfjs runs wasm single-threaded in Node)' : '') +
      `, kernel fixes registered, ${kernels}`,
    versions: { 'tfjs-backend-wasm': wasm.version_wasm, ...(ars.ok ? { 'ars-kernels': `${ars.variant}` } : {}) },
  };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node != null && process.versions.electron == null;
}

/** The directory holding tfjs-backend-wasm's .wasm files, with a trailing separator. */
function wasmDirectory(): string | null {
  const candidates: string[] = [];
  if (process.env.ARS_WASM_DIR) candidates.push(process.env.ARS_WASM_DIR);
  try {
    candidates.push(path.dirname(nodeRequire.resolve('@tensorflow/tfjs-backend-wasm')));
  } catch {
    // not resolvable: the caller reports the package as missing
  }
  for (const candidate of candidates) {
    const dir = candidate.endsWith(path.sep) || candidate.endsWith('/') ? candidate : candidate + path.sep;
    if (fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) || fs.existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) {
      return dir;
    }
  }
  return null;
}

async function tryCpu(): Promise<Attempt> {
  const failure = await activate('cpu');
  if (failure) return failure;
  // We report the backend choice ourselves; the cpu backend's "install tfjs-node" banner is noise.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (typeof backend.firstUse === 'boolean') backend.firstUse = false;
  return {
    ok: true,
    device: cpuModel(),
    threads: 1,
    note: 'plain JavaScript, 1 thread (slow for training)',
    versions: { 'tfjs-backend-cpu': (tf.version as Record<string, string>)['tfjs-backend-cpu'] ?? tf.version_core },
  };
}

function attempt(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow-gpu':
      return tryTensorflow(true);
    case 'webgpu':
      return tryWebgpu();
    case 'tensorflow':
      return tryTensorflow(false);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

/** Whether a rung's packages are present (a cheap check for rungs that are not tried). */
function looksAvailable(name: BackendName): boolean {
  return PACKAGES[name].every(isInstalled);
}

function missingPackages(packages: string[]): string {
  return packages.length === 1 ? `package ${packages[0]} is not installed` : `packages ${packages.join(' and ')} are not installed`;
}

function notTriedReason(name: BackendName, why: string): string {
  const missing = PACKAGES[name].filter((p) => !isInstalled(p));
  if (missing.length > 0) return `${missingPackages(missing)} (not tried: ${why})`;
  return `not tried: ${why}`;
}

// ---------------------------------------------------------------------------------------------

let cached: { key: string; info: BackendInfo } | null = null;
let inflight: Promise<BackendInfo> | null = null;

async function chooseBackend(requested: string | undefined): Promise<BackendInfo> {
  const rungs: BackendRung[] = [];
  let start = 0;
  let preferred: BackendName | null = null;
  if (requested !== undefined && requested.toLowerCase() !== AUTO) {
    preferred = parseBackendName(requested);
    if (preferred == null) {
      rungs.push({
        name: requested,
        available: false,
        reason:
          `unknown backend '${requested}' requested (prefer or ARS_BACKEND); ` +
          `known: ${[...BACKEND_LADDER, AUTO].join(', ')}; falling back to the default ladder`,
      });
    } else {
      start = BACKEND_LADDER.indexOf(preferred);
    }
  }
  for (let i = 0; i < start; i++) {
    const name = BACKEND_LADDER[i];
    rungs.push({ name, available: looksAvailable(name), reason: notTriedReason(name, `'${preferred}' was preferred`) });
  }
  let chosen: { name: BackendName; result: Success } | null = null;
  for (let i = start; i < BACKEND_LADDER.length; i++) {
    const name = BACKEND_LADDER[i];
    if (chosen != null) {
      rungs.push({ name, available: looksAvailable(name), reason: notTriedReason(name, `'${chosen.name}' ranks higher`) });
      continue;
    }
    const result = await attempt(name);
    const wasPreferred = name === preferred;
    if (result.ok) {
      chosen = { name, result };
      rungs.push({ name, available: true, reason: `in use${wasPreferred ? ' (preferred)' : ''}: ${result.note}` });
    } else {
      rungs.push({ name, available: false, reason: wasPreferred ? `preferred, but ${result.reason}` : result.reason });
    }
  }
  if (chosen == null) {
    // cpu always registers with @tensorflow/tfjs; reaching this means tfjs itself is broken.
    throw new Error(`no TensorFlow.js backend could be initialised: ${rungs.map((r) => `${r.name}: ${r.reason}`).join('; ')}`);
  }
  if (preferred != null && chosen.name !== preferred) {
    const rung = rungs.find((r) => r.name === preferred);
    if (rung) rung.reason += `; fell back to '${chosen.name}'`;
  }
  const versions: Record<string, string> = {
    tfjs: tf.version.tfjs,
    'tfjs-core': tf.version_core,
    ...chosen.result.versions,
    node: process.versions.node,
  };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const cuda = cudaLibraries();
  return {
    backend: chosen.name,
    device: chosen.result.device,
    threads: chosen.result.threads,
    rungs,
    versions,
    gpus: lastProbe?.ok ? [lastProbe.adapter] : [],
    ...(cuda ? { cuda } : {}),
  };
}

function requestedBackend(prefer: string | undefined): string | undefined {
  const value = prefer ?? process.env.ARS_BACKEND;
  return value != null && value.trim().length > 0 ? value.trim() : undefined;
}

/**
 * Chooses and initialises the tfjs backend (see the module comment) and reports what it chose.
 * A second call returns the cached report (re-activating that backend if something switched it)
 * unless it asks for a different `prefer`.
 */
export async function initBackend(options: { prefer?: string } = {}): Promise<BackendInfo> {
  while (inflight != null) await inflight.catch(() => undefined);
  const requested = requestedBackend(options.prefer);
  if (cached != null && (requested === undefined || requested === cached.key)) {
    const name = parseBackendName(cached.info.backend);
    const tfjsName = name != null ? TFJS_NAME[name] : cached.info.backend;
    if (tf.getBackend() !== tfjsName) await tf.setBackend(tfjsName);
    return cached.info;
  }
  const run = chooseBackend(requested);
  inflight = run;
  try {
    const info = await run;
    cached = { key: requested ?? '', info };
    return info;
  } finally {
    inflight = null;
  }
}

/** The report of the last successful `initBackend`, or null before one. */
export function currentBackendInfo(): BackendInfo | null {
  return cached?.info ?? null;
}

/** A human-readable report for `ars info`. */
export function formatBackendInfo(info: BackendInfo): string {
  const width = Math.max(...info.rungs.map((r) => r.name.length), 4);
  const lines = [
    `Backend  ${info.backend}`,
    `Device   ${info.device}`,
    `Threads  ${info.threads}`,
    'Ladder (best first)',
    ...info.rungs.map((r) => {
      const mark = r.available ? '✓' : '✗';
      return `  ${mark} ${r.name.padEnd(width)}  ${r.reason}`;
    }),
    'GPU adapters (WebGPU)',
    ...(info.gpus && info.gpus.length > 0
      ? info.gpus.map((g) => `  ${describeAdapter(g)}${g.description ? ` — ${g.description}` : ''}; max buffer ${Math.round((g.limits.maxBufferSize ?? 0) / 2 ** 20)} MiB, ${g.features.length} features`)
      : ['  none found']),
    ...(info.cuda ? ['CUDA libraries (for tfjs-node-gpu)', ...info.cuda.map((c) => `  ${c.found ? '✓' : '✗'} ${c.library}${c.found ? '' : ' missing'}`)] : []),
    'Versions',
    ...Object.entries(info.versions).map(([name, version]) => `  ${name} ${version}`),
  ];
  return lines.join('\n');
}

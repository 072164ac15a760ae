/**
 * Loads the project's own WebAssembly kernels (build/wasm/ars-kernels-*.wasm, compiled from
 * core/tensor/wasm/assembly by build.mjs) into one shared memory, and hands out scratch space
 * in it. Node-only (the worker, the CLI, tests).
 *
 * The relaxed-SIMD build (fused multiply-add) is preferred; the plain-SIMD build is the fallback
 * where the engine refuses relaxed SIMD. `ARS_KERNELS=off` disables the kernels (the tfjs path
 * is then used everywhere); `ARS_KERNELS=simd` forces the plain-SIMD build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/** The functions every build exports (pointers are byte offsets into `memory`). */
export interface KernelExports {
  sourceHash(): number;
  gemm(
    A: number, ars: number, aks: number,
    B: number, brs: number, bcs: number,
    C: number, ldc: number,
    i0: number, m: number, j0: number, n: number, K: number,
    accumulate: number, bias: number, act: number, work: number,
  ): void;
  packedBBytes(kc: number, n: number): number;
  [name: string]: unknown;
}

export type KernelVariant = 'relaxed' | 'simd';

/** Must match MAXIMUM_PAGES in build.mjs (the modules' declared maximum). */
const MAXIMUM_PAGES = 32768;
/** The memory this process lets the kernels use at most (1 GiB). */
const MEMORY_LIMIT_PAGES = 16384;
const PAGE = 65536;
/** Bytes below this are never handed out (room for the modules' own globals, none today). */
const RESERVED = 65536;
const ALIGN = 64;

/** Where the .wasm builds live: $ARS_KERNELS_DIR, else <repo>/build/wasm. */
export function kernelsDirectory(): string {
  const env = process.env.ARS_KERNELS_DIR;
  if (env && env.length > 0) return env;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'build', 'wasm');
}

export class WasmKernels {
  /** Float32/Int32 views, rebuilt when the memory grows. */
  private f32View: Float32Array;
  private i32View: Int32Array;
  private top = RESERVED;
  private peak = RESERVED;
  /** Scratch starts here; below it are long-lived blocks (persistentAlloc). */
  private base = RESERVED;
  private readonly blocks: { ptr: number; end: number; live: boolean }[] = [];

  constructor(
    readonly exports: KernelExports,
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    readonly variant: KernelVariant,
  ) {
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /** A Float32Array over the whole memory (refreshed after growth: call again after alloc). */
  get f32(): Float32Array {
    if (this.f32View.buffer.byteLength !== this.memory.buffer.byteLength) this.refresh();
    return this.f32View;
  }

  get i32(): Int32Array {
    if (this.i32View.buffer.byteLength !== this.memory.buffer.byteLength) this.refresh();
    return this.i32View;
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** Scratch bytes, 64-byte aligned; valid until `release(mark)` of an earlier mark. */
  alloc(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(Math.max(bytes, 0) / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      const current = have / PAGE;
      if (current + pages > MEMORY_LIMIT_PAGES) {
        throw new RangeError(`the wasm kernels need ${Math.ceil(end / 2 ** 20)} MiB, more than their ${MEMORY_LIMIT_PAGES / 16} MiB limit`);
      }
      // Grow generously (the memory never shrinks, but growing often is slow).
      this.memory.grow(Math.min(MEMORY_LIMIT_PAGES - current, Math.max(pages, Math.ceil(current / 4))));
    }
    this.top = end;
    if (end > this.peak) this.peak = end;
    return ptr;
  }

  /** Floats of scratch: a pointer (bytes). */
  allocF32(count: number): number {
    return this.alloc(count * 4);
  }

  /** Copies `values` into fresh scratch; returns the pointer. */
  put(values: ArrayLike<number> & { length: number }, kind: 'f32' | 'i32' = 'f32'): number {
    const ptr = this.alloc(values.length * 4);
    if (kind === 'f32') this.f32.set(values, ptr >> 2);
    else this.i32.set(values, ptr >> 2);
    return ptr;
  }

  /** A view of `count` floats at `ptr` (invalid after the memory grows). */
  viewF32(ptr: number, count: number): Float32Array {
    return this.f32.subarray(ptr >> 2, (ptr >> 2) + count);
  }

  /**
   * A long-lived block (decoder weights, caches) below the scratch area, until
   * `persistentFree`. Only between kernel calls (no scratch in use); throws otherwise.
   */
  persistentAlloc(bytes: number): number {
    if (this.top !== this.base) throw new Error('persistentAlloc while scratch memory is in use');
    const ptr = this.alloc(bytes);
    this.base = this.top;
    this.blocks.push({ ptr, end: this.top, live: true });
    return ptr;
  }

  /** Frees a block from persistentAlloc; the space returns to scratch once the blocks above it are free too. */
  persistentFree(ptr: number): void {
    const block = this.blocks.find((b) => b.ptr === ptr && b.live);
    if (!block) return;
    block.live = false;
    while (this.blocks.length > 0 && !this.blocks[this.blocks.length - 1]!.live) this.blocks.pop();
    const newBase = this.blocks.length > 0 ? this.blocks[this.blocks.length - 1]!.end : this.firstBase;
    if (this.top === this.base) this.top = newBase;
    this.base = newBase;
  }

  /** Where scratch started before any persistent block (after the runtime's own buffers). */
  private firstBase = RESERVED;

  /** Marks everything allocated so far as permanent (the runtime's per-thread buffers). */
  sealPermanent(): void {
    if (this.blocks.length > 0) throw new Error('sealPermanent after persistent blocks');
    this.base = this.top;
    this.firstBase = this.top;
  }

  /** Bytes in long-lived blocks (live or waiting for those above them). */
  get persistentBytes(): number {
    return this.base - this.firstBase;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Runs `fn` with scratch that is released afterwards. */
  scoped<T>(fn: () => T): T {
    const mark = this.top;
    try {
      return fn();
    } finally {
      this.top = mark;
    }
  }

  /** Bytes of memory reserved (the memory never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}

let loaded: WasmKernels | null | undefined;
let loadError = '';

function enableRelaxedSimd(): void {
  try {
    // Node 20 (V8 11.3) validates relaxed SIMD only behind this flag (refused in NODE_OPTIONS).
    // Later V8s and Electron 45 have it on; setting it again is harmless.
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node's v8 module: the plain build is used if relaxed SIMD does not validate
  }
}

/**
 * The kernels, loaded once; null when they are disabled or unavailable (`kernelsUnavailableReason`
 * says why). Never throws.
 */
export function wasmKernels(): WasmKernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const mode = (process.env.ARS_KERNELS ?? '').trim().toLowerCase();
  if (mode === 'off' || mode === '0' || mode === 'false') {
    loadError = 'disabled by ARS_KERNELS=off';
    return null;
  }
  const dir = kernelsDirectory();
  const variants: KernelVariant[] = mode === 'simd' ? ['simd'] : ['relaxed', 'simd'];
  const errors: string[] = [];
  for (const variant of variants) {
    const file = path.join(dir, `ars-kernels-${variant}.wasm`);
    if (!fs.existsSync(file)) {
      errors.push(`${file} is missing (run npm run build:wasm)`);
      continue;
    }
    try {
      if (variant === 'relaxed') enableRelaxedSimd();
      const module = new WebAssembly.Module(fs.readFileSync(file));
      const memory = new WebAssembly.Memory({ initial: 64, maximum: MAXIMUM_PAGES, shared: true });
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      loaded = new WasmKernels(instance.exports as unknown as KernelExports, memory, module, variant);
      return loaded;
    } catch (error) {
      errors.push(`${variant}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  loadError = errors.join('; ');
  return null;
}

/** Why `wasmKernels()` returned null ('' when it did not). */
export function kernelsUnavailableReason(): string {
  return loadError;
}

/**
 * A private instance of the kernels with its own memory of `bytes` (plus the reserved low
 * area), for batch-1 work that keeps its buffers between calls (decoders). No threads; the
 * memory is freed with the instance. Null when the kernels are not available.
 */
export function privateKernels(bytes: number): WasmKernels | null {
  const shared = wasmKernels();
  if (shared == null) return null;
  const pages = Math.ceil((RESERVED + bytes + 16 * ALIGN) / PAGE) + 1;
  if (pages > MAXIMUM_PAGES) throw new RangeError(`a decoder needs ${Math.ceil(bytes / 2 ** 20)} MiB, more than the kernels can address`);
  // maximum = initial: a shared memory reserves its maximum up front.
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new WebAssembly.Instance(shared.module, { env: { memory } });
  return new WasmKernels(instance.exports as unknown as KernelExports, memory, shared.module, shared.variant);
}

/**
 * A private instance holding a copy of `source`'s bytes [start, end) at the same addresses (so
 * pointers into them stay valid), with room for `extraBytes` more above them. `start` must be
 * where a fresh private memory's first allocation goes (what the source's was). Null when the
 * kernels are not available.
 */
export function privateCopy(source: WasmKernels, start: number, end: number, extraBytes: number): WasmKernels | null {
  const k = privateKernels(end - start + extraBytes);
  if (k == null) return null;
  if (k.alloc(end - start) !== start) throw new Error('a copy of a private kernel memory lost its layout');
  k.f32.set(source.f32.subarray(start >> 2, end >> 2), start >> 2);
  return k;
}

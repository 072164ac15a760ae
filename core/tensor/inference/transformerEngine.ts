/**
 * Transformer inference for a batch of one on the project's WebAssembly kernels: pre-LN blocks
 * (multi-head self-attention, GELU feed-forward), learned positions, a tied or untied output
 * layer — the same arithmetic as core/models/transformerLayers.ts. The weights are copied once
 * into a private memory; a pass over T new positions extends a per-layer key/value cache
 * (incremental decoding) or, from position 0, computes a whole window (recomputation,
 * mask-predict). Matrix products: SIMD matrix–vector for one or two rows, the GEMM beyond.
 */
import { splitRange } from '../wasm/gemm.ts';
import { privateKernels, type WasmKernels } from '../wasm/module.ts';
import { kernelRuntime, type KernelRuntime } from '../wasm/runtime.ts';
import type { Task } from '../wasm/threads.ts';

export interface TransformerBlockData {
  ln1g: Float32Array;
  ln1b: Float32Array;
  /** [D, 3D] and [3D] */
  wqkv: Float32Array;
  bqkv: Float32Array;
  /** [D, D] and [D] */
  wo: Float32Array;
  bo: Float32Array;
  ln2g: Float32Array;
  ln2b: Float32Array;
  /** [D, F], [F], [F, D], [D] */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export interface TransformerEngineWeights {
  dModel: number;
  heads: number;
  ffn: number;
  context: number;
  /** Output classes (the first `outputs` token-embedding rows when tied). */
  outputs: number;
  /** [rows, D]: rows ≥ outputs (mask-predict adds a [MASK] row). */
  tokEmb: Float32Array;
  /** [context, D] */
  posEmb: Float32Array;
  blocks: TransformerBlockData[];
  lnFg: Float32Array;
  lnFb: Float32Array;
  /** [D, outputs] untied output layer, or null (tied to tokEmb). */
  outW: Float32Array | null;
  outB: Float32Array;
  /**
   * Local context embeddings (mask-predict): for each offset o, a table [rows + 1, D] whose row for
   * the token at i + o (the last row where i + o is outside the sequence) is added at position i.
   * Only for whole bidirectional sequences (past 0).
   */
  local?: { offsets: readonly number[]; tables: readonly Float32Array[] };
}

type Fn = (...args: number[]) => number;

/** Frees the shared-memory block of an engine that was dropped without dispose(). */
const orphans = new FinalizationRegistry<{ k: WasmKernels; block: number }>(({ k, block }) => k.persistentFree(block));

interface BlockPtrs {
  ln1g: number;
  ln1b: number;
  wqkv: number;
  bqkv: number;
  wo: number;
  bo: number;
  ln2g: number;
  ln2b: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  /** the same matrices packed for the GEMM (many rows) */
  pqkv: number;
  pwo: number;
  pw1: number;
  pw2: number;
  /** key and value caches [context, D] */
  k: number;
  v: number;
}

/** Rows up to this use matrix–vector products (no packing); more rows use the GEMM. */
const MATVEC_ROWS = 2;
/** Rows from which a pass is split across threads (whole windows: recomputation, mask-predict). */
const THREAD_ROWS = 16;
const EPS = 1e-5;

export class TransformerEngine {
  private readonly k: WasmKernels;
  private readonly f: Record<string, Fn>;
  /** The shared runtime when the engine lives in its memory (threads), else null (a private memory). */
  private readonly rt: KernelRuntime | null;
  /** The persistent block in the shared memory (freed by dispose). */
  private block = 0;
  readonly D: number;
  readonly H: number;
  readonly F: number;
  readonly context: number;
  readonly outputs: number;
  private readonly rows: number;
  private readonly tokEmb: number;
  /** Local context tables (pointers, [rows + 1, D] each) and their offsets. */
  private readonly local: { offsets: number[]; tables: number[] } | null;
  private readonly posEmb: number;
  private readonly blocks: BlockPtrs[] = [];
  private readonly lnFg: number;
  private readonly lnFb: number;
  private readonly outW: number;
  /** outW, or tokEmb[0..outputs)ᵀ when tied, packed for the GEMM */
  private readonly pout: number;
  private readonly outB: number;
  // scratch for up to `context` rows
  private readonly x: number;
  private readonly h: number;
  private readonly qkv: number;
  private readonly att: number;
  private readonly ff: number;
  private readonly logits: number;
  private readonly mean: number;
  private readonly rstd: number;
  /** attention scores, one context² area per thread */
  private readonly scores: number[];
  /** GEMM scratch per thread (the runtime's own when shared) */
  private readonly work: number[];

  /**
   * `shared` (default true): live in the kernels' shared memory, so passes over many rows can
   * use the worker threads; false (or when that memory cannot be used): a private memory.
   */
  constructor(w: TransformerEngineWeights, options: { shared?: boolean } = {}) {
    const { dModel: D, heads: H, ffn: F, context: C, outputs: V } = w;
    this.D = D;
    this.H = H;
    this.F = F;
    this.context = C;
    this.outputs = V;
    this.rows = w.tokEmb.length / D;
    const localTables = w.local?.tables ?? [];
    const weightFloats =
      localTables.reduce((n, t) => n + t.length, 0) +
      w.tokEmb.length + w.posEmb.length + w.lnFg.length + w.lnFb.length + (w.outW?.length ?? 0) + w.outB.length +
      w.blocks.reduce((n, b) => n + Object.values(b).reduce((m: number, a: Float32Array) => m + a.length, 0) + 2 * C * D, 0);
    const rt = options.shared === false ? null : kernelRuntime();
    const threads = rt ? rt.threads : 1;
    const scratchFloats = C * (D + D + 3 * D + D + F + V + 2) + threads * C * C;
    // weights twice (as given for matrix–vector products, packed for the GEMM; panels pad to 16)
    const packedFloats = weightFloats + w.blocks.length * 16 * (4 * D + 2 * F) + 16 * (D + V) + V * D;
    // every carved piece is 64-byte aligned: allow for that
    const pieces = 16 + w.blocks.length * 20 + 2 * threads + localTables.length;
    const bytes = (weightFloats + packedFloats + scratchFloats) * 4 + pieces * 64;
    let k: WasmKernels | null = null;
    let next = 0;
    let end = 0;
    if (rt) {
      try {
        this.block = rt.k.persistentAlloc(bytes);
        k = rt.k;
        orphans.register(this, { k, block: this.block }, this);
        next = this.block;
        end = this.block + bytes;
      } catch {
        k = null;
      }
    }
    this.rt = k ? rt : null;
    if (k == null) {
      k = privateKernels(bytes + 400 * 1024 + 4096);
      if (k == null) throw new Error('the project wasm kernels are not available');
      next = k.alloc(bytes);
      end = next + bytes;
    }
    this.k = k;
    const f = (this.f = k.exports as unknown as Record<string, Fn>);
    const carve = (floats: number): number => {
      const ptr = next;
      next += Math.ceil((floats * 4) / 64) * 64;
      if (next > end) throw new Error('TransformerEngine: internal size error');
      return ptr;
    };
    const put = (a: Float32Array): number => {
      const ptr = carve(a.length);
      this.k.f32.set(a, ptr >> 2);
      return ptr;
    };
    /** B [K, N] (element (k, n) at ptr[k·brs + n·bcs]) packed for gemmPacked. */
    const pack = (ptr: number, K: number, N: number, brs: number, bcs: number) => {
      const out = carve(f.packedBFullBytes!(K, N) / 4);
      f.packBFull!(ptr, brs, bcs, K, 0, N, out);
      return out;
    };
    this.local = w.local && w.local.offsets.length > 0 ? { offsets: [...w.local.offsets], tables: w.local.tables.map(put) } : null;
    this.tokEmb = put(w.tokEmb);
    this.posEmb = put(w.posEmb);
    for (const b of w.blocks) {
      const wqkv = put(b.wqkv);
      const wo = put(b.wo);
      const w1 = put(b.w1);
      const w2 = put(b.w2);
      this.blocks.push({
        ln1g: put(b.ln1g),
        ln1b: put(b.ln1b),
        wqkv,
        bqkv: put(b.bqkv),
        wo,
        bo: put(b.bo),
        ln2g: put(b.ln2g),
        ln2b: put(b.ln2b),
        w1,
        b1: put(b.b1),
        w2,
        b2: put(b.b2),
        pqkv: pack(wqkv, D, 3 * D, 3 * D, 1),
        pwo: pack(wo, D, D, D, 1),
        pw1: pack(w1, D, F, F, 1),
        pw2: pack(w2, F, D, D, 1),
        k: carve(C * D),
        v: carve(C * D),
      });
    }
    this.lnFg = put(w.lnFg);
    this.lnFb = put(w.lnFb);
    this.outW = w.outW ? put(w.outW) : 0;
    this.pout = this.outW ? pack(this.outW, D, V, V, 1) : pack(this.tokEmb, D, V, 1, D);
    this.outB = put(w.outB);
    this.x = carve(C * D);
    this.h = carve(C * D);
    this.qkv = carve(C * 3 * D);
    this.att = carve(C * D);
    this.ff = carve(C * F);
    this.logits = carve(C * V);
    this.mean = carve(C);
    this.rstd = carve(C);
    this.scores = Array.from({ length: threads }, () => carve(C * C));
    this.work = this.rt ? [...this.rt.gemmWork] : [k.alloc(f.gemmWorkBytes!())];
  }

  /** Threads for a pass over T rows. */
  private threadsFor(T: number): number {
    return this.rt && T >= THREAD_ROWS ? this.rt.parallelism() : 1;
  }

  /** out [T, N] = x [T, K] · W [K, N] + bias; `packed`: W packed for the GEMM. */
  private linear(x: number, T: number, K: number, W: number, packed: number, N: number, bias: number, out: number): void {
    if (T <= MATVEC_ROWS) {
      for (let i = 0; i < T; i++) this.f.matvec!(x + i * K * 4, W, N, bias, out + i * N * 4, K, N, 0);
      return;
    }
    const threads = this.threadsFor(T);
    const P = Math.ceil(N / 16);
    if (threads <= 1) {
      this.f.gemmPackedBias!(x, K, 1, packed, N, out, N, T, 0, P, K, 0, bias, 0, this.work[0]!);
      return;
    }
    // rows split across threads (each packs its own rows of x)
    const tasks: Task[] = splitRange(T, threads, 2).map(([r0, n], t) => ({
      fn: 'gemmPackedBias',
      args: [x + r0 * K * 4, K, 1, packed, N, out + r0 * N * 4, N, n, 0, P, K, 0, bias, 0, this.work[t]!],
    }));
    this.rt!.run(tasks);
  }

  private attend(b: BlockPtrs, T: number, past: number, causal: boolean, dh: number, scale: number): void {
    const { D, H, f } = this;
    if (T <= MATVEC_ROWS) {
      f.attendCached!(this.qkv, 3 * D, b.k, b.v, D, this.att, T, past, H, dh, causal ? 1 : 0, scale, this.scores[0]!);
      return;
    }
    const threads = Math.min(this.threadsFor(T), H);
    if (threads <= 1) {
      f.attendCachedGemm!(this.qkv, 3 * D, b.k, b.v, D, this.att, T, past, H, dh, causal ? 1 : 0, scale, this.scores[0]!, this.work[0]!);
      return;
    }
    const tasks: Task[] = splitRange(H, threads, 1).map(([h0, n], t) => ({
      fn: 'attendCachedHeads',
      args: [this.qkv, 3 * D, b.k, b.v, D, this.att, T, past, H, dh, causal ? 1 : 0, scale, this.scores[t]!, this.work[t]!, h0, n],
    }));
    this.rt!.run(tasks);
  }

  /** Frees the engine's memory (shared mode); the engine must not be used afterwards. */
  dispose(): void {
    if (this.rt && this.block) {
      orphans.unregister(this);
      this.rt.k.persistentFree(this.block);
      this.block = 0;
    }
  }

  /** Adds each offset's embedding of the neighbouring token to every position (see `local`). */
  private addLocalContext(ids: readonly number[], past: number, causal: boolean): void {
    if (past !== 0 || causal) throw new Error('local context embeddings need a whole bidirectional sequence');
    const { D, f } = this;
    const T = ids.length;
    const pad = this.rows;
    this.local!.offsets.forEach((o, t) => {
      const table = this.local!.tables[t]!;
      for (let i = 0; i < T; i++) {
        const j = i + o;
        f.addInPlace!(this.x + i * D * 4, table + (j >= 0 && j < T ? ids[j]! : pad) * D * 4, D);
      }
    });
  }

  /**
   * Runs `ids` at positions past … past+T−1, attending to the cached positions 0 … past−1 and
   * (causal) to the new ones up to each; bidirectional: every new position sees all. Keys and
   * values of the new positions enter the cache. Returns the logits of the last `last` rows
   * (each a fresh array), in order — or, bidirectional only, of the new positions `rows`
   * (ascending, each < T): then the last block carries only those rows past its keys and values
   * (nothing after it reads the others), which is what mask-predict's later passes need.
   */
  forward(ids: readonly number[], past: number, causal: boolean, last = 1, rows?: readonly number[]): Float32Array[] {
    const { D, F, f } = this;
    let T = ids.length;
    if (rows) {
      if (causal) throw new Error('choosing rows needs bidirectional attention');
      rows.forEach((r, i) => {
        if (!Number.isInteger(r) || r < 0 || r >= T || (i > 0 && r <= rows[i - 1]!)) throw new RangeError(`rows must ascend within 0 … ${T - 1}`);
      });
      if (rows.length === 0) return [];
    }
    if (T === 0) return [];
    if (this.rt && !this.block) throw new Error('the engine was disposed');
    if (past + T > this.context) throw new Error(`a window of ${past + T} positions exceeds the context of ${this.context}`);
    const f32 = this.k.f32;
    for (let i = 0; i < T; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.rows) || !Number.isInteger(id)) throw new RangeError(`token id ${id} is outside the embedding table (${this.rows} rows)`);
      const dst = (this.x >> 2) + i * D;
      f32.set(f32.subarray((this.tokEmb >> 2) + id * D, (this.tokEmb >> 2) + (id + 1) * D), dst);
    }
    f.addInPlace!(this.x, this.posEmb + past * D * 4, T * D);
    if (this.local) this.addLocalContext(ids, past, causal);
    const dh = D / this.H;
    const scale = 1 / Math.sqrt(dh);
    let queryPast = past;
    for (const [l, b] of this.blocks.entries()) {
      f.layerNormForward!(this.x, b.ln1g, b.ln1b, this.h, this.mean, this.rstd, 0, T, D, EPS);
      this.linear(this.h, T, D, b.wqkv, b.pqkv, 3 * D, b.bqkv, this.qkv);
      // new keys and values into the cache
      for (let i = 0; i < T; i++) {
        const src = (this.qkv >> 2) + i * 3 * D;
        f32.copyWithin((b.k >> 2) + (past + i) * D, src + D, src + 2 * D);
        f32.copyWithin((b.v >> 2) + (past + i) * D, src + 2 * D, src + 3 * D);
      }
      if (rows && l === this.blocks.length - 1 && rows.length < T) {
        // From here on only the chosen rows: their queries and residual stream move to the front
        // (ascending, so a row never overwrites one still to be moved); they still see every key.
        rows.forEach((r, j) => {
          f32.copyWithin((this.qkv >> 2) + j * 3 * D, (this.qkv >> 2) + r * 3 * D, (this.qkv >> 2) + r * 3 * D + D);
          f32.copyWithin((this.x >> 2) + j * D, (this.x >> 2) + r * D, (this.x >> 2) + (r + 1) * D);
        });
        queryPast = past + T - rows.length;
        T = rows.length;
      }
      this.attend(b, T, queryPast, causal, dh, scale);
      this.linear(this.att, T, D, b.wo, b.pwo, D, b.bo, this.h);
      f.addInPlace!(this.x, this.h, T * D);
      f.layerNormForward!(this.x, b.ln2g, b.ln2b, this.h, this.mean, this.rstd, 0, T, D, EPS);
      this.linear(this.h, T, D, b.w1, b.pw1, F, b.b1, this.ff);
      f.biasGeluForward!(this.ff, 0, this.ff, 0, T, F);
      this.linear(this.ff, T, F, b.w2, b.pw2, D, b.b2, this.h);
      f.addInPlace!(this.x, this.h, T * D);
    }
    const n = rows ? T : Math.min(last, T);
    const first = T - n;
    const V = this.outputs;
    f.layerNormForward!(this.x + first * D * 4, this.lnFg, this.lnFb, this.h, this.mean, this.rstd, 0, n, D, EPS);
    if (n > MATVEC_ROWS) f.gemmPackedBias!(this.h, D, 1, this.pout, V, this.logits, V, n, 0, Math.ceil(V / 16), D, 0, this.outB, 0, this.work[0]!);
    else if (this.outW) this.linear(this.h, n, D, this.outW, this.pout, V, this.outB, this.logits);
    else for (let i = 0; i < n; i++) f.matvecRows!(this.h + i * D * 4, this.tokEmb, this.outB, this.logits + i * V * 4, V, D);
    const out: Float32Array[] = [];
    const base = this.logits >> 2;
    for (let i = 0; i < n; i++) out.push(this.k.f32.slice(base + i * V, base + (i + 1) * V));
    return out;
  }
}

/**
 * Transformer inference for a batch of one on the project's WebAssembly kernels: pre-LN blocks
 * (multi-head self-attention, GELU feed-forward), learned positions, a tied or untied output
 * layer — the same arithmetic as core/models/transformerLayers.ts. The weights are copied once
 * into a private memory; a pass over T new positions extends a per-layer key/value cache
 * (incremental decoding) or, from position 0, computes a whole window (recomputation,
 * mask-predict). Matrix products: SIMD matrix–vector for one or two rows, the GEMM beyond.
 */
import { splitRange } from '../wasm/gemm.ts';
import { privateCopy, privateKernels, type WasmKernels } from '../wasm/module.ts';
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

interface BlockPtrs {
  ln1g: number;
  ln1b: number;
  bqkv: number;
  bo: number;
  ln2g: number;
  ln2b: number;
  b1: number;
  b2: number;
  /** the weight matrices, packed for the GEMM (kept in no other layout) */
  pqkv: number;
  pwo: number;
  pw1: number;
  pw2: number;
}

/** Where the weights are, in the kernels' memory. */
interface WeightPtrs {
  tokEmb: number;
  /** Local context tables (pointers, [rows + 1, D] each) and their offsets. */
  local: { offsets: number[]; tables: number[] } | null;
  posEmb: number;
  blocks: BlockPtrs[];
  lnFg: number;
  lnFb: number;
  /** true: the output layer is tokEmb[0..outputs)ᵀ */
  tied: boolean;
  /** the output layer (outW, or tokEmb[0..outputs)ᵀ when tied), packed for the GEMM */
  pout: number;
  outB: number;
}

/** What one engine writes: the key/value caches [context, D] of every layer and the scratch of a pass over up to `context` rows. */
interface StatePtrs {
  caches: { k: number; v: number }[];
  x: number;
  h: number;
  qkv: number;
  att: number;
  ff: number;
  logits: number;
  mean: number;
  rstd: number;
  /** attention scores, one context² area per thread */
  scores: number[];
  /** GEMM scratch per thread (the runtime's own when shared) */
  work: number[];
}

/**
 * The weights in the kernels' memory, shared by an engine and every engine forked from it:
 * freed when the last of them is disposed (or collected). In a private memory `block` is 0 and
 * the weights live as long as that memory.
 */
class SharedWeights {
  private refs = 1;
  constructor(
    readonly k: WasmKernels,
    readonly block: number,
    readonly ptrs: WeightPtrs,
    /** The bytes [start, end) that hold them (a private fork copies them). */
    readonly start: number,
    readonly end: number,
  ) {}

  acquire(): this {
    if (this.refs === 0) throw new Error('the engine was disposed');
    this.refs++;
    return this;
  }

  release(): void {
    if (this.refs > 0 && --this.refs === 0 && this.block) this.k.persistentFree(this.block);
  }
}

/** Frees the state of an engine that was dropped without dispose(), and its hold on the weights. */
const orphans = new FinalizationRegistry<{ k: WasmKernels; state: number; weights: SharedWeights }>(({ k, state, weights }) => {
  if (state) k.persistentFree(state);
  weights.release();
});

/** Rows up to this use matrix–vector products in attention and a tied output layer; more rows use the GEMM. */
const MATVEC_ROWS = 2;
/**
 * Rows from which a linear layer is split across threads: by 16-column panels below
 * ROW_SPLIT_ROWS (each thread packs the same few rows, reads its share of the weights once), by
 * rows from there on. One or two rows stay on one thread: the hand-off costs more than it saves.
 */
const THREAD_ROWS = 3;
const ROW_SPLIT_ROWS = 16;
const EPS = 1e-5;
/** Every carved piece is 64-byte aligned. */
const ALIGN = 64;

/** Floats of B [K, N] packed for gemmPacked (16-column panels; as the kernels' packedBFullBytes). */
const packedFloats = (K: number, N: number) => Math.ceil(N / 16) * 16 * K;

/** Bytes for `floats` and the alignment of `pieces` carved pieces. */
const carvedBytes = (floats: number, pieces: number) => floats * 4 + pieces * ALIGN;

/** Hands out 64-byte-aligned pieces of [next, end). */
function carver(next: number, end: number): (floats: number) => number {
  return (floats: number): number => {
    const ptr = next;
    next += Math.ceil((floats * 4) / ALIGN) * ALIGN;
    if (next > end) throw new Error('TransformerEngine: internal size error');
    return ptr;
  };
}

export class TransformerEngine {
  private readonly k: WasmKernels;
  private readonly f: Record<string, Fn>;
  /** The shared runtime when the engine lives in its memory (threads), else null (a private memory). */
  private readonly rt: KernelRuntime | null;
  private readonly weights: SharedWeights;
  private readonly w: WeightPtrs;
  private readonly s: StatePtrs;
  /** This engine's state block in the shared memory (freed by dispose), 0 in a private memory. */
  private state = 0;
  private disposed = false;
  readonly D: number;
  readonly H: number;
  readonly F: number;
  readonly context: number;
  readonly outputs: number;
  /** Rows of the token-embedding table. */
  readonly rows: number;
  readonly layers: number;

  /**
   * `shared` (default true): live in the kernels' shared memory, so passes over many rows can
   * use the worker threads; false (or when that memory cannot be used): a private memory.
   * Given an engine instead of weights: a fork (see `fork`).
   */
  constructor(source: TransformerEngineWeights | TransformerEngine, options: { shared?: boolean } = {}) {
    const dims = source instanceof TransformerEngine ? source : { D: source.dModel, H: source.heads, F: source.ffn, context: source.context, outputs: source.outputs, rows: source.tokEmb.length / source.dModel, layers: source.blocks.length };
    const { D, H, F, context: C, outputs: V } = dims;
    this.D = D;
    this.H = H;
    this.F = F;
    this.context = C;
    this.outputs = V;
    this.rows = dims.rows;
    this.layers = dims.layers;
    const rt = source instanceof TransformerEngine ? source.rt : options.shared === false ? null : kernelRuntime();
    const threads = rt ? rt.threads : 1;
    const stateBytes = carvedBytes(this.layers * 2 * C * D + C * (D + D + 3 * D + D + F + V + 2) + threads * C * C, 2 * this.layers + 8 + threads);
    if (source instanceof TransformerEngine) {
      // A fork: the same weights, a state of its own.
      if (source.disposed) throw new Error('the engine was disposed');
      if (rt) {
        this.weights = source.weights.acquire();
        this.k = rt.k;
        this.rt = rt;
        this.state = rt.k.persistentAlloc(stateBytes);
        this.s = this.carveState(carver(this.state, this.state + stateBytes), rt.gemmWork);
      } else {
        // A private memory holds one engine: copy the weights into a new one at the same addresses.
        const from = source.weights;
        const k = privateCopy(from.k, from.start, from.end, stateBytes + 400 * 1024 + 4096);
        if (k == null) throw new Error('the project wasm kernels are not available');
        this.k = k;
        this.rt = null;
        this.weights = new SharedWeights(k, 0, from.ptrs, from.start, from.end);
        const stateStart = k.alloc(stateBytes);
        this.s = this.carveState(carver(stateStart, stateStart + stateBytes), [k.alloc((k.exports.gemmWorkBytes as () => number)())]);
      }
      this.w = this.weights.ptrs;
      this.f = this.k.exports as unknown as Record<string, Fn>;
      orphans.register(this, { k: this.k, state: this.state, weights: this.weights }, this);
      return;
    }
    const w = source;
    const localTables = w.local?.tables ?? [];
    // vectors as given; matrices packed only (panels pad to 16 columns)
    const vectorFloats = 2 * D + 3 * D + D + 2 * D + F + D;
    const weightFloats =
      localTables.reduce((n, t) => n + t.length, 0) +
      w.tokEmb.length + w.posEmb.length + w.lnFg.length + w.lnFb.length + w.outB.length +
      w.blocks.length * (vectorFloats + packedFloats(D, 3 * D) + packedFloats(D, D) + packedFloats(D, F) + packedFloats(F, D)) +
      packedFloats(D, V);
    const weightBytes = carvedBytes(weightFloats, 8 + w.blocks.length * 12 + localTables.length);
    let k: WasmKernels | null = null;
    let start = 0;
    let weightBlock = 0;
    if (rt) {
      try {
        weightBlock = rt.k.persistentAlloc(weightBytes);
        try {
          this.state = rt.k.persistentAlloc(stateBytes);
        } catch (err) {
          rt.k.persistentFree(weightBlock);
          throw err;
        }
        k = rt.k;
        start = weightBlock;
      } catch {
        k = null;
      }
    }
    this.rt = k ? rt : null;
    if (k == null) {
      k = privateKernels(weightBytes + stateBytes + 400 * 1024 + 4096);
      if (k == null) throw new Error('the project wasm kernels are not available');
      start = k.alloc(weightBytes + stateBytes);
    }
    this.k = k;
    const f = (this.f = k.exports as unknown as Record<string, Fn>);
    const carve = carver(start, start + weightBytes);
    const put = (a: Float32Array): number => {
      const ptr = carve(a.length);
      k.f32.set(a, ptr >> 2);
      return ptr;
    };
    /** B [K, N] (element (k, n) at ptr[k·brs + n·bcs]) packed for gemmPacked. */
    const pack = (ptr: number, K: number, N: number, brs: number, bcs: number) => {
      const out = carve(packedFloats(K, N));
      f.packBFull!(ptr, brs, bcs, K, 0, N, out);
      return out;
    };
    /** a [K, N] row-major, packed for gemmPacked (passing through scratch; not kept as given). */
    const packMatrix = (a: Float32Array, K: number, N: number) => k.scoped(() => pack(k.put(a), K, N, N, 1));
    const local = w.local && w.local.offsets.length > 0 ? { offsets: [...w.local.offsets], tables: w.local.tables.map(put) } : null;
    const tokEmb = put(w.tokEmb);
    const posEmb = put(w.posEmb);
    const blocks = w.blocks.map(
      (b): BlockPtrs => ({
        ln1g: put(b.ln1g),
        ln1b: put(b.ln1b),
        bqkv: put(b.bqkv),
        bo: put(b.bo),
        ln2g: put(b.ln2g),
        ln2b: put(b.ln2b),
        b1: put(b.b1),
        b2: put(b.b2),
        pqkv: packMatrix(b.wqkv, D, 3 * D),
        pwo: packMatrix(b.wo, D, D),
        pw1: packMatrix(b.w1, D, F),
        pw2: packMatrix(b.w2, F, D),
      }),
    );
    const lnFg = put(w.lnFg);
    const lnFb = put(w.lnFb);
    const tied = !w.outW;
    const pout = w.outW ? packMatrix(w.outW, D, V) : pack(tokEmb, D, V, 1, D);
    const outB = put(w.outB);
    this.w = { tokEmb, local, posEmb, blocks, lnFg, lnFb, tied, pout, outB };
    this.weights = new SharedWeights(k, weightBlock, this.w, start, start + weightBytes);
    const stateStart = this.state || start + weightBytes;
    this.s = this.carveState(carver(stateStart, stateStart + stateBytes), this.rt ? this.rt.gemmWork : [k.alloc(f.gemmWorkBytes!())]);
    orphans.register(this, { k, state: this.state, weights: this.weights }, this);
  }

  /** The key/value caches and scratch, carved from one engine's state bytes. */
  private carveState(carve: (floats: number) => number, work: readonly number[]): StatePtrs {
    const { D, F, context: C, outputs: V } = this;
    const threads = this.rt ? this.rt.threads : 1;
    return {
      caches: Array.from({ length: this.layers }, () => ({ k: carve(C * D), v: carve(C * D) })),
      x: carve(C * D),
      h: carve(C * D),
      qkv: carve(C * 3 * D),
      att: carve(C * D),
      ff: carve(C * F),
      logits: carve(C * V),
      mean: carve(C),
      rstd: carve(C),
      scores: Array.from({ length: threads }, () => carve(C * C)),
      work: [...work],
    };
  }

  /**
   * An engine over the same weights with its own key/value caches and scratch: what a decoder
   * needs, at the cost of its state only (the weights are not copied in the shared memory).
   * The weights stay until this engine and every fork of it are disposed.
   */
  fork(): TransformerEngine {
    return new TransformerEngine(this);
  }

  /** Threads for a pass over T rows. */
  private threadsFor(T: number): number {
    return this.rt && T >= THREAD_ROWS ? this.rt.parallelism() : 1;
  }

  /**
   * out [T, N] = x [T, K] · W [K, N] + bias, W packed for the GEMM. The packed GEMM is used for a
   * single row too: measured here it beats a matrix–vector product over the unpacked weights
   * (its 16-column panels are read in order), and a second row costs almost nothing more.
   */
  private linear(x: number, T: number, K: number, packed: number, N: number, bias: number, out: number): void {
    const threads = this.threadsFor(T);
    const P = Math.ceil(N / 16);
    if (threads <= 1) {
      this.f.gemmPackedBias!(x, K, 1, packed, N, out, N, T, 0, P, K, 0, bias, 0, this.s.work[0]!);
      return;
    }
    const tasks: Task[] =
      T < ROW_SPLIT_ROWS
        ? splitRange(P, threads, 1).map(([p0, np], t) => ({
            fn: 'gemmPackedBias',
            args: [x, K, 1, packed, N, out, N, T, p0, np, K, 0, bias, 0, this.s.work[t]!],
          }))
        : splitRange(T, threads, 2).map(([r0, n], t) => ({
            fn: 'gemmPackedBias',
            args: [x + r0 * K * 4, K, 1, packed, N, out + r0 * N * 4, N, n, 0, P, K, 0, bias, 0, this.s.work[t]!],
          }));
    this.rt!.run(tasks);
  }

  private attend(cache: { k: number; v: number }, T: number, past: number, causal: boolean, dh: number, scale: number): void {
    const { D, H, f } = this;
    if (T <= MATVEC_ROWS) {
      f.attendCached!(this.s.qkv, 3 * D, cache.k, cache.v, D, this.s.att, T, past, H, dh, causal ? 1 : 0, scale, this.s.scores[0]!);
      return;
    }
    const threads = Math.min(this.threadsFor(T), H);
    if (threads <= 1) {
      f.attendCachedGemm!(this.s.qkv, 3 * D, cache.k, cache.v, D, this.s.att, T, past, H, dh, causal ? 1 : 0, scale, this.s.scores[0]!, this.s.work[0]!);
      return;
    }
    const tasks: Task[] = splitRange(H, threads, 1).map(([h0, n], t) => ({
      fn: 'attendCachedHeads',
      args: [this.s.qkv, 3 * D, cache.k, cache.v, D, this.s.att, T, past, H, dh, causal ? 1 : 0, scale, this.s.scores[t]!, this.s.work[t]!, h0, n],
    }));
    this.rt!.run(tasks);
  }

  /** Frees the engine's state, and the weights when no other engine shares them; the engine must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    orphans.unregister(this);
    if (this.state) this.k.persistentFree(this.state);
    this.state = 0;
    this.weights.release();
  }

  /** Adds each offset's embedding of the neighbouring token to every position (see `local`). */
  private addLocalContext(ids: readonly number[], past: number, causal: boolean): void {
    if (past !== 0 || causal) throw new Error('local context embeddings need a whole bidirectional sequence');
    const { D, f } = this;
    const T = ids.length;
    const pad = this.rows;
    this.w.local!.offsets.forEach((o, t) => {
      const table = this.w.local!.tables[t]!;
      for (let i = 0; i < T; i++) {
        const j = i + o;
        f.addInPlace!(this.s.x + i * D * 4, table + (j >= 0 && j < T ? ids[j]! : pad) * D * 4, D);
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
    if (this.disposed) throw new Error('the engine was disposed');
    if (past + T > this.context) throw new Error(`a window of ${past + T} positions exceeds the context of ${this.context}`);
    const f32 = this.k.f32;
    for (let i = 0; i < T; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.rows) || !Number.isInteger(id)) throw new RangeError(`token id ${id} is outside the embedding table (${this.rows} rows)`);
      const dst = (this.s.x >> 2) + i * D;
      f32.set(f32.subarray((this.w.tokEmb >> 2) + id * D, (this.w.tokEmb >> 2) + (id + 1) * D), dst);
    }
    f.addInPlace!(this.s.x, this.w.posEmb + past * D * 4, T * D);
    if (this.w.local) this.addLocalContext(ids, past, causal);
    const dh = D / this.H;
    const scale = 1 / Math.sqrt(dh);
    let queryPast = past;
    for (const [l, b] of this.w.blocks.entries()) {
      f.layerNormForward!(this.s.x, b.ln1g, b.ln1b, this.s.h, this.s.mean, this.s.rstd, 0, T, D, EPS);
      this.linear(this.s.h, T, D, b.pqkv, 3 * D, b.bqkv, this.s.qkv);
      // new keys and values into the cache
      const cache = this.s.caches[l]!;
      for (let i = 0; i < T; i++) {
        const src = (this.s.qkv >> 2) + i * 3 * D;
        f32.copyWithin((cache.k >> 2) + (past + i) * D, src + D, src + 2 * D);
        f32.copyWithin((cache.v >> 2) + (past + i) * D, src + 2 * D, src + 3 * D);
      }
      if (rows && l === this.w.blocks.length - 1 && rows.length < T) {
        // From here on only the chosen rows: their queries and residual stream move to the front
        // (ascending, so a row never overwrites one still to be moved); they still see every key.
        rows.forEach((r, j) => {
          f32.copyWithin((this.s.qkv >> 2) + j * 3 * D, (this.s.qkv >> 2) + r * 3 * D, (this.s.qkv >> 2) + r * 3 * D + D);
          f32.copyWithin((this.s.x >> 2) + j * D, (this.s.x >> 2) + r * D, (this.s.x >> 2) + (r + 1) * D);
        });
        queryPast = past + T - rows.length;
        T = rows.length;
      }
      this.attend(cache, T, queryPast, causal, dh, scale);
      this.linear(this.s.att, T, D, b.pwo, D, b.bo, this.s.h);
      f.addInPlace!(this.s.x, this.s.h, T * D);
      f.layerNormForward!(this.s.x, b.ln2g, b.ln2b, this.s.h, this.s.mean, this.s.rstd, 0, T, D, EPS);
      this.linear(this.s.h, T, D, b.pw1, F, b.b1, this.s.ff);
      f.biasGeluForward!(this.s.ff, 0, this.s.ff, 0, T, F);
      this.linear(this.s.ff, T, F, b.pw2, D, b.b2, this.s.h);
      f.addInPlace!(this.s.x, this.s.h, T * D);
    }
    const n = rows ? T : Math.min(last, T);
    const first = T - n;
    const V = this.outputs;
    f.layerNormForward!(this.s.x + first * D * 4, this.w.lnFg, this.w.lnFb, this.s.h, this.s.mean, this.s.rstd, 0, n, D, EPS);
    if (n > MATVEC_ROWS || !this.w.tied) this.linear(this.s.h, n, D, this.w.pout, V, this.w.outB, this.s.logits);
    else for (let i = 0; i < n; i++) f.matvecRows!(this.s.h + i * D * 4, this.w.tokEmb, this.w.outB, this.s.logits + i * V * 4, V, D);
    const out: Float32Array[] = [];
    const base = this.s.logits >> 2;
    for (let i = 0; i < n; i++) out.push(this.k.f32.slice(base + i * V, base + (i + 1) * V));
    return out;
  }
}

/**
 * Batch-1 decoding of a recurrent language model (embedding → RNN/GRU/LSTM layers → linear) on
 * the project's WebAssembly kernels: the weights copied once into a private memory, every step
 * a handful of SIMD matrix–vector products over preallocated buffers, no per-op dispatch. The
 * first layer's input projection is precomputed for every token (embedding·Wx + b).
 *
 * Decoders of the same weights share that memory: each has only its state there (hidden and
 * cell vectors, gate buffers, logits), a block taken when it starts and given back when it is
 * disposed (or collected), so a new decoder costs neither reading the weights again nor touching
 * fresh pages of memory.
 */
import { RNN_CELL_ID, RNN_GATES, type RnnCell } from '../rnnCell.ts';
import { privateCopy, privateKernels, type WasmKernels } from '../wasm/module.ts';

export interface RnnDecoderWeights {
  cell: RnnCell;
  vocabSize: number;
  embedding: number;
  hidden: number;
  /** [V, E] */
  embeddingTable: Float32Array;
  layers: { wx: Float32Array; wh: Float32Array; b: Float32Array; bh?: Float32Array }[];
  /** [H, V] and [V] */
  outW: Float32Array;
  outB: Float32Array;
}

type Fn = (...args: number[]) => number;

/** Decoder states one memory has room for beyond the weights; past them a decoder gets a memory of its own. */
const STATES_PER_MEMORY = 64;
/** Every block is 64-byte aligned. */
const ALIGN = 64;

/** The weights in a private memory, laid out for decoding. */
class RnnWeights {
  readonly f: Record<string, Fn>;
  readonly cell: number;
  readonly G: number;
  readonly H: number;
  readonly V: number;
  /** [V, G·H] layer-0 input projections */
  readonly table: number;
  /** Per layer: Wx (0 for layer 0: in the table), Wh, b, bh (GRU; else 0). */
  readonly layers: { wx: number; wh: number; b: number; bh: number }[];
  readonly outW: number;
  readonly outB: number;
  /** Bytes of one decoder's state. */
  readonly stateBytes: number;

  /** Lays `w` out in `k`; given another RnnWeights instead: `k` is a copy of its memory (copy()), whose layout this takes over. */
  constructor(
    readonly k: WasmKernels,
    w: RnnDecoderWeights | RnnWeights,
  ) {
    this.f = k.exports as unknown as Record<string, Fn>;
    this.weightsStart = w instanceof RnnWeights ? w.weightsStart : k.mark();
    if (w instanceof RnnWeights) {
      // `k` already holds the bytes (privateCopy): only the layout is taken over.
      ({ cell: this.cell, G: this.G, H: this.H, V: this.V, table: this.table, outW: this.outW, outB: this.outB, stateBytes: this.stateBytes } = w);
      this.layers = w.layers;
    } else {
      const { vocabSize: V, embedding: E, hidden: H } = w;
      const G = RNN_GATES[w.cell];
      this.cell = RNN_CELL_ID[w.cell];
      this.G = G;
      this.H = H;
      this.V = V;
      this.stateBytes = rnnStateBytes(w);
      const put = (a: Float32Array) => k.put(a);
      this.layers = w.layers.map((l, i) => ({ wx: i === 0 ? 0 : put(l.wx), wh: put(l.wh), b: put(l.b), bh: l.bh ? put(l.bh) : 0 }));
      this.outW = put(w.outW);
      this.outB = put(w.outB);
      // Layer-0 projections of every token, once: table = embedding · Wx0 + b0.
      this.table = k.allocF32(V * G * H);
      k.scoped(() => {
        const emb = put(w.embeddingTable);
        const wx0 = put(w.layers[0]!.wx);
        const work = k.alloc(this.f.gemmWorkBytes!());
        this.f.gemm!(emb, E, 1, wx0, G * H, 1, this.table, G * H, 0, V, 0, G * H, E, 0, this.layers[0]!.b, 0, work);
      });
    }
    this.weightsEnd = k.mark();
    // Everything so far stays: decoders' states are persistent blocks above it.
    k.sealPermanent();
  }

  /** Where the weights start and end in the memory (states go above). */
  readonly weightsStart: number;
  readonly weightsEnd: number;

  /** The same weights in a new memory with room for `states` decoders (its pages touched afresh). */
  copy(states: number): RnnWeights {
    const k = privateCopy(this.k, this.weightsStart, this.weightsEnd, states * this.stateBytes + 4096);
    if (k == null) throw new Error('the project wasm kernels are not available');
    return new RnnWeights(k, this);
  }

  /** A state block, or null when the memory is full. */
  takeState(): number | null {
    try {
      return this.k.persistentAlloc(this.stateBytes);
    } catch {
      return null;
    }
  }
}

/** Floats of one decoder's state: per layer h and c, the gate buffers z and hz, the logits. */
function rnnStateFloats(w: RnnDecoderWeights): number {
  const GH = RNN_GATES[w.cell] * w.hidden;
  return w.layers.length * 2 * w.hidden + 2 * GH + w.vocabSize;
}

function rnnStateBytes(w: RnnDecoderWeights): number {
  return Math.ceil(rnnStateFloats(w) * 4 / ALIGN) * ALIGN + (2 * w.layers.length + 3) * ALIGN;
}

/** Lays the weights out in a new private memory with room for `states` decoders. */
function weightsMemory(w: RnnDecoderWeights, states: number): RnnWeights {
  const { vocabSize: V, embedding: E, hidden: H } = w;
  const G = RNN_GATES[w.cell];
  const weightFloats =
    V * G * H +
    w.layers.reduce((n, l) => n + l.wx.length + l.wh.length + l.b.length + (l.bh?.length ?? 0), 0) +
    w.outW.length + w.outB.length + V * E + 64 * 16;
  const gemmWork = 400 * 1024;
  const k = privateKernels(weightFloats * 4 + gemmWork + states * rnnStateBytes(w) + 4096);
  if (k == null) throw new Error('the project wasm kernels are not available');
  return new RnnWeights(k, w);
}

/** Gives back the state of a decoder that was dropped without dispose(). */
const orphans = new FinalizationRegistry<{ k: WasmKernels; state: number }>(({ k, state }) => k.persistentFree(state));

export class WasmRnnDecoder {
  private readonly w: RnnWeights;
  private readonly state: number;
  /** Per layer: the hidden and cell vectors. */
  private readonly hc: { h: number; c: number }[];
  private readonly z: number;
  private readonly hz: number;
  private readonly logits: number;
  private disposed = false;

  /**
   * Given weights: lays them out in a new private memory. Given a decoder: a decoder over the same
   * memory with a fresh state (see `fork`).
   */
  constructor(source: RnnDecoderWeights | WasmRnnDecoder) {
    let w = source instanceof WasmRnnDecoder ? source.w : weightsMemory(source, STATES_PER_MEMORY);
    let state = w.takeState();
    if (state == null) {
      // The memory is full of live decoders: this one gets a copy of the weights of its own.
      w = w.copy(1);
      state = w.takeState();
      if (state == null) throw new Error('WasmRnnDecoder: no room for a decoder state');
    }
    this.w = w;
    this.state = state;
    const { H, G, V, k } = w;
    let next = state;
    const carve = (floats: number) => {
      const ptr = next;
      next += Math.ceil((floats * 4) / ALIGN) * ALIGN;
      return ptr;
    };
    this.hc = w.layers.map(() => ({ h: carve(H), c: carve(H) }));
    this.z = carve(G * H);
    this.hz = carve(G * H);
    this.logits = carve(V);
    k.f32.fill(0, state >> 2, next >> 2);
    orphans.register(this, { k, state }, this);
  }

  /** A decoder over the same weights with an empty state: no weights read or laid out again. */
  fork(): WasmRnnDecoder {
    return new WasmRnnDecoder(this);
  }

  /** Logits over the vocabulary for the token after `tokenId` (a fresh array). */
  feed(tokenId: number): Float32Array {
    if (this.disposed) throw new Error('the decoder was disposed');
    const { f, H, G, V, k, layers, cell, table } = this.w;
    if (!(tokenId >= 0 && tokenId < V) || !Number.isInteger(tokenId)) throw new RangeError(`token id ${tokenId} is outside the vocabulary (size ${V})`);
    const { z, hz } = this;
    const GH = G * H;
    let below = 0;
    for (let l = 0; l < layers.length; l++) {
      const L = layers[l]!;
      const { h, c } = this.hc[l]!;
      if (l === 0) k.f32.copyWithin(z >> 2, (table >> 2) + tokenId * GH, (table >> 2) + (tokenId + 1) * GH);
      else f.matvec!(below, L.wx, GH, L.b, z, H, GH, 0);
      if (cell === 1) {
        f.matvec!(h, L.wh, GH, L.bh, hz, H, GH, 0);
      } else {
        f.matvec!(h, L.wh, GH, 0, z, H, GH, 1);
      }
      f.cellStep!(cell, z, hz, h, c, H);
      below = h;
    }
    f.matvec!(below, this.w.outW, V, this.w.outB, this.logits, H, V, 0);
    return k.f32.slice(this.logits >> 2, (this.logits >> 2) + V);
  }

  /** Gives the state back to the shared memory; the decoder must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    orphans.unregister(this);
    this.w.k.persistentFree(this.state);
  }
}

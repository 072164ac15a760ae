/**
 * Batch-1 decoding of a recurrent language model (embedding → RNN/GRU/LSTM layers → linear) on
 * the project's WebAssembly kernels: the weights copied once into a private memory, every step
 * a handful of SIMD matrix–vector products over preallocated buffers, no per-op dispatch. The
 * first layer's input projection is precomputed for every token (embedding·Wx + b).
 */
import { RNN_CELL_ID, RNN_GATES, type RnnCell } from '../rnnCell.ts';
import { privateKernels, type WasmKernels } from '../wasm/module.ts';

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

export class WasmRnnDecoder {
  private readonly k: WasmKernels;
  private readonly f: Record<string, Fn>;
  private readonly cell: number;
  private readonly G: number;
  private readonly H: number;
  private readonly V: number;
  private readonly table: number; // [V, G·H] layer-0 input projections
  private readonly layers: { wx: number; wh: number; b: number; bh: number; h: number; c: number }[] = [];
  private readonly outW: number;
  private readonly outB: number;
  private readonly z: number;
  private readonly hz: number;
  private readonly logits: number;

  constructor(w: RnnDecoderWeights) {
    const { vocabSize: V, embedding: E, hidden: H } = w;
    const G = RNN_GATES[w.cell];
    const floats =
      V * G * H +
      w.layers.reduce((n, l) => n + l.wx.length + l.wh.length + l.b.length + (l.bh?.length ?? 0) + 2 * H, 0) +
      w.outW.length + w.outB.length + 2 * G * H + V + V * E + 64 * 16;
    const gemmWork = 400 * 1024;
    const k = privateKernels(floats * 4 + gemmWork + 4096);
    if (k == null) throw new Error('the project wasm kernels are not available');
    this.k = k;
    this.f = k.exports as unknown as Record<string, Fn>;
    this.cell = RNN_CELL_ID[w.cell];
    this.G = G;
    this.H = H;
    this.V = V;
    const put = (a: Float32Array) => k.put(a);
    w.layers.forEach((l, i) => {
      this.layers.push({
        wx: i === 0 ? 0 : put(l.wx),
        wh: put(l.wh),
        b: put(l.b),
        bh: l.bh ? put(l.bh) : 0,
        h: put(new Float32Array(H)),
        c: put(new Float32Array(H)),
      });
    });
    this.outW = put(w.outW);
    this.outB = put(w.outB);
    this.z = k.allocF32(G * H);
    this.hz = k.allocF32(G * H);
    this.logits = k.allocF32(V);
    // Layer-0 projections of every token, once: table = embedding · Wx0 + b0.
    this.table = k.allocF32(V * G * H);
    k.scoped(() => {
      const emb = put(w.embeddingTable);
      const wx0 = put(w.layers[0]!.wx);
      const work = k.alloc(this.f.gemmWorkBytes!());
      this.f.gemm!(emb, E, 1, wx0, G * H, 1, this.table, G * H, 0, V, 0, G * H, E, 0, this.layers[0]!.b, 0, work);
    });
  }

  /** Logits over the vocabulary for the token after `tokenId` (a fresh array). */
  feed(tokenId: number): Float32Array {
    if (!(tokenId >= 0 && tokenId < this.V) || !Number.isInteger(tokenId)) throw new RangeError(`token id ${tokenId} is outside the vocabulary (size ${this.V})`);
    const { f, H, G, z, hz } = this;
    const GH = G * H;
    let below = 0;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      if (l === 0) this.k.f32.copyWithin(z >> 2, (this.table >> 2) + tokenId * GH, (this.table >> 2) + (tokenId + 1) * GH);
      else f.matvec!(below, L.wx, GH, L.b, z, H, GH, 0);
      if (this.cell === 1) {
        f.matvec!(L.h, L.wh, GH, L.bh, hz, H, GH, 0);
      } else {
        f.matvec!(L.h, L.wh, GH, 0, z, H, GH, 1);
      }
      f.cellStep!(this.cell, z, hz, L.h, L.c, H);
      below = L.h;
    }
    f.matvec!(below, this.outW, this.V, this.outB, this.logits, H, this.V, 0);
    return this.k.f32.slice(this.logits >> 2, (this.logits >> 2) + this.V);
  }

  dispose(): void {
    // The private memory goes with the instance.
  }
}

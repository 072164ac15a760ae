// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
/**
 * Batch-1 inference pieces (decoders): matrix–vector products, attention of new positions over
 * a key/value cache. The decoders call these on preallocated buffers, with no per-op dispatch.
 */
import { fma, vexp, sexp, hmax, hsum, vtanh, vsigmoid, stanh, ssigmoid } from './math';
import { gemm } from './gemm';
import { softmaxRow } from './attention';

/**
 * y[0..N) = (bias ? bias : accumulate ? y : 0) + x[0..K) · W, W [K, N] row-major (row stride ldw).
 * 32 columns at a time in 8 vector accumulators, walking down the rows.
 */
export function matvec(x: usize, W: usize, ldw: i32, bias: usize, y: usize, K: i32, N: i32, accumulate: bool): void {
  const rowBytes = <usize>ldw << 2;
  let j = 0;
  for (; j + 32 <= N; j += 32) {
    const o = <usize>j << 2;
    let a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128;
    if (bias != 0) {
      a0 = v128.load(bias + o); a1 = v128.load(bias + o, 16); a2 = v128.load(bias + o, 32); a3 = v128.load(bias + o, 48);
      a4 = v128.load(bias + o, 64); a5 = v128.load(bias + o, 80); a6 = v128.load(bias + o, 96); a7 = v128.load(bias + o, 112);
    } else if (accumulate) {
      a0 = v128.load(y + o); a1 = v128.load(y + o, 16); a2 = v128.load(y + o, 32); a3 = v128.load(y + o, 48);
      a4 = v128.load(y + o, 64); a5 = v128.load(y + o, 80); a6 = v128.load(y + o, 96); a7 = v128.load(y + o, 112);
    } else {
      a0 = f32x4.splat(0); a1 = a0; a2 = a0; a3 = a0; a4 = a0; a5 = a0; a6 = a0; a7 = a0;
    }
    let w = W + o;
    let xp = x;
    const end = x + (<usize>K << 2);
    while (xp < end) {
      const s = v128.load32_splat(xp);
      a0 = fma(s, v128.load(w), a0);
      a1 = fma(s, v128.load(w, 16), a1);
      a2 = fma(s, v128.load(w, 32), a2);
      a3 = fma(s, v128.load(w, 48), a3);
      a4 = fma(s, v128.load(w, 64), a4);
      a5 = fma(s, v128.load(w, 80), a5);
      a6 = fma(s, v128.load(w, 96), a6);
      a7 = fma(s, v128.load(w, 112), a7);
      w += rowBytes;
      xp += 4;
    }
    v128.store(y + o, a0); v128.store(y + o, a1, 16); v128.store(y + o, a2, 32); v128.store(y + o, a3, 48);
    v128.store(y + o, a4, 64); v128.store(y + o, a5, 80); v128.store(y + o, a6, 96); v128.store(y + o, a7, 112);
  }
  for (; j + 4 <= N; j += 4) {
    const o = <usize>j << 2;
    let a = bias != 0 ? v128.load(bias + o) : accumulate ? v128.load(y + o) : f32x4.splat(0);
    for (let k = 0; k < K; k++) a = fma(v128.load32_splat(x + (<usize>k << 2)), v128.load(W + (<usize>k * rowBytes) + o), a);
    v128.store(y + o, a);
  }
  for (; j < N; j++) {
    const o = <usize>j << 2;
    let a: f32 = bias != 0 ? load<f32>(bias + o) : accumulate ? load<f32>(y + o) : 0;
    for (let k = 0; k < K; k++) a += load<f32>(x + (<usize>k << 2)) * load<f32>(W + (<usize>k * rowBytes) + o);
    store<f32>(y + o, a);
  }
}

/** y[v] = (bias ? bias[v] : 0) + Σ_d x[d]·E[v, d] for v < rows, E [rows, D] (a tied output layer). */
export function matvecRows(x: usize, E: usize, bias: usize, y: usize, rows: i32, D: i32): void {
  for (let v = 0; v < rows; v++) {
    const row = E + (<usize>(v * D) << 2);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let d = 0;
    for (; d + 8 <= D; d += 8) {
      const o = <usize>d << 2;
      a0 = fma(v128.load(x + o), v128.load(row + o), a0);
      a1 = fma(v128.load(x + o, 16), v128.load(row + o, 16), a1);
    }
    let s = hsum(f32x4.add(a0, a1));
    for (; d < D; d++) s += load<f32>(x + (<usize>d << 2)) * load<f32>(row + (<usize>d << 2));
    store<f32>(y + (<usize>v << 2), bias != 0 ? s + load<f32>(bias + (<usize>v << 2)) : s);
  }
}

/**
 * Attention of T new positions (queries q [T, ldq], head h at columns h·dh) over a key/value
 * cache K, V [ctx, ldkv] holding positions 0 … past+T−1 (the new ones included): out [T, D].
 * Causal: position past+i sees 0 … past+i; else every cached position. `scores`: ctx floats.
 */
export function attendCached(q: usize, ldq: i32, K: usize, V: usize, ldkv: i32, out: usize, T: i32, past: i32, H: i32, dh: i32, causal: bool, scale: f32, scores: usize): void {
  const D = H * dh;
  for (let i = 0; i < T; i++) {
    const n = causal ? past + i + 1 : past + T;
    const qi = q + (<usize>(i * ldq) << 2);
    const oi = out + (<usize>(i * D) << 2);
    for (let h = 0; h < H; h++) {
      const qh = qi + (<usize>(h * dh) << 2);
      let m: f32 = -Infinity;
      for (let j = 0; j < n; j++) {
        const kj = K + (<usize>(j * ldkv + h * dh) << 2);
        let a = f32x4.splat(0);
        let d = 0;
        for (; d + 4 <= dh; d += 4) a = fma(v128.load(qh + (<usize>d << 2)), v128.load(kj + (<usize>d << 2)), a);
        let s = hsum(a);
        for (; d < dh; d++) s += load<f32>(qh + (<usize>d << 2)) * load<f32>(kj + (<usize>d << 2));
        s *= scale;
        store<f32>(scores + (<usize>j << 2), s);
        if (s > m) m = s;
      }
      let sum: f32 = 0;
      for (let j = 0; j < n; j++) {
        const e = sexp(load<f32>(scores + (<usize>j << 2)) - m);
        store<f32>(scores + (<usize>j << 2), e);
        sum += e;
      }
      const inv: f32 = 1 / sum;
      const oh = oi + (<usize>(h * dh) << 2);
      let d = 0;
      for (; d + 4 <= dh; d += 4) {
        let a = f32x4.splat(0);
        for (let j = 0; j < n; j++) {
          a = fma(v128.load32_splat(scores + (<usize>j << 2)), v128.load(V + (<usize>(j * ldkv + h * dh + d) << 2)), a);
        }
        v128.store(oh + (<usize>d << 2), f32x4.mul(a, f32x4.splat(inv)));
      }
      for (; d < dh; d++) {
        let a: f32 = 0;
        for (let j = 0; j < n; j++) a += load<f32>(scores + (<usize>j << 2)) * load<f32>(V + (<usize>(j * ldkv + h * dh + d) << 2));
        store<f32>(oh + (<usize>d << 2), a * inv);
      }
    }
  }
}

/** x[i] += y[i] for n floats. */
export function addInPlace(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) + load<f32>(y + o));
  }
}

/**
 * One recurrent cell step for a batch of one: z [G·H] holds x·Wx + b + h·Wh (+ nothing else);
 * updates h (and c) in place. GRU: hz [3H] = h·Wh + bh computed separately (z then holds x·Wx + b).
 * cell 0 rnn, 1 gru, 2 lstm.
 */
export function cellStep(cell: i32, z: usize, hz: usize, h: usize, c: usize, H: i32): void {
  let j = 0;
  for (; j + 4 <= H; j += 4) {
    const o = <usize>j << 2;
    if (cell == 0) {
      v128.store(h + o, vtanh(v128.load(z + o)));
    } else if (cell == 2) {
      const ig = vsigmoid(v128.load(z + o));
      const fg = vsigmoid(v128.load(z + o + (<usize>H << 2)));
      const gg = vtanh(v128.load(z + o + (<usize>(2 * H) << 2)));
      const og = vsigmoid(v128.load(z + o + (<usize>(3 * H) << 2)));
      const cc = f32x4.add(f32x4.mul(fg, v128.load(c + o)), f32x4.mul(ig, gg));
      v128.store(c + o, cc);
      v128.store(h + o, f32x4.mul(og, vtanh(cc)));
    } else {
      const r = vsigmoid(f32x4.add(v128.load(z + o), v128.load(hz + o)));
      const zz = vsigmoid(f32x4.add(v128.load(z + o + (<usize>H << 2)), v128.load(hz + o + (<usize>H << 2))));
      const n = vtanh(f32x4.add(v128.load(z + o + (<usize>(2 * H) << 2)), f32x4.mul(r, v128.load(hz + o + (<usize>(2 * H) << 2)))));
      const hp = v128.load(h + o);
      v128.store(h + o, f32x4.add(n, f32x4.mul(zz, f32x4.sub(hp, n))));
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    if (cell == 0) {
      store<f32>(h + o, stanh(load<f32>(z + o)));
    } else if (cell == 2) {
      const ig = ssigmoid(load<f32>(z + o));
      const fg = ssigmoid(load<f32>(z + o + (<usize>H << 2)));
      const gg = stanh(load<f32>(z + o + (<usize>(2 * H) << 2)));
      const og = ssigmoid(load<f32>(z + o + (<usize>(3 * H) << 2)));
      const cc = fg * load<f32>(c + o) + ig * gg;
      store<f32>(c + o, cc);
      store<f32>(h + o, og * stanh(cc));
    } else {
      const r = ssigmoid(load<f32>(z + o) + load<f32>(hz + o));
      const zz = ssigmoid(load<f32>(z + o + (<usize>H << 2)) + load<f32>(hz + o + (<usize>H << 2)));
      const n = stanh(load<f32>(z + o + (<usize>(2 * H) << 2)) + r * load<f32>(hz + o + (<usize>(2 * H) << 2)));
      const hp = load<f32>(h + o);
      store<f32>(h + o, n + zz * (hp - n));
    }
  }
}

/**
 * attendCached for many new positions, by products: per head, scores = q·Kᵀ [T, past+T] into
 * `scores` (T·(past+T) floats), softmax rows (causal: row i sees past+i+1 keys), out = P·V.
 */
export function attendCachedGemm(q: usize, ldq: i32, K: usize, V: usize, ldkv: i32, out: usize, T: i32, past: i32, H: i32, dh: i32, causal: bool, scale: f32, scores: usize, work: usize): void {
  attendCachedHeads(q, ldq, K, V, ldkv, out, T, past, H, dh, causal, scale, scores, work, 0, H);
}

/** attendCachedGemm for heads h0 … h0+count−1 only (threads split heads). */
export function attendCachedHeads(q: usize, ldq: i32, K: usize, V: usize, ldkv: i32, out: usize, T: i32, past: i32, H: i32, dh: i32, causal: bool, scale: f32, scores: usize, work: usize, h0: i32, count: i32): void {
  const D = H * dh;
  const n = past + T;
  for (let h = h0; h < h0 + count; h++) {
    const off = <usize>(h * dh) << 2;
    gemm(q + off, ldq, 1, K + off, 1, ldkv, scores, n, 0, T, 0, n, dh, false, 0, 0, work);
    for (let i = 0; i < T; i++) softmaxRow(scores + (<usize>(i * n) << 2), causal ? past + i + 1 : n, n, scale);
    gemm(scores, n, 1, V + off, ldkv, 1, out + off, D, 0, T, 0, dh, n, false, 0, 0, work);
  }
}

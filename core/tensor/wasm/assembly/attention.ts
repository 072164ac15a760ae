// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
import { gemm } from './gemm';
import { vexp, sexp, hmax, hsum } from './math';

/**
 * Multi-head self-attention over packed projections qkv [B, T, 3D] (q | k | v, head h in
 * columns h·dh … (h+1)·dh of each), D = H·dh: out [B, T, D] = heads merged, each
 * softmax(scale·q·kᵀ (+ causal mask))·v. Saves the probabilities P [B, H, T, T] for the
 * backward pass. (b, h) pairs pair0 … pair0+count (threads split pairs); `work`: GEMM scratch.
 */
export function attentionForward(
  qkv: usize, out: usize, P: usize,
  T: i32, H: i32, dh: i32, causal: bool, scale: f32,
  pair0: i32, count: i32, work: usize,
): void {
  const D = H * dh;
  for (let pair = pair0; pair < pair0 + count; pair++) {
    const b = pair / H;
    const h = pair - b * H;
    const q = qkv + (<usize>(b * T * 3 * D + h * dh) << 2);
    const k = q + (<usize>D << 2);
    const v = q + (<usize>(2 * D) << 2);
    const p = P + (<usize>(pair * T * T) << 2);
    // S = q·kᵀ
    gemm(q, 3 * D, 1, k, 1, 3 * D, p, T, 0, T, 0, T, dh, false, 0, 0, work);
    for (let i = 0; i < T; i++) softmaxRow(p + (<usize>(i * T) << 2), causal ? i + 1 : T, T, scale);
    // out = P·v
    gemm(p, T, 1, v, 3 * D, 1, out + (<usize>(b * T * D + h * dh) << 2), D, 0, T, 0, dh, T, false, 0, 0, work);
  }
}

/** row[0..n) ← softmax(scale·row[0..n)); row[n..T) ← 0 (masked). */
export function softmaxRow(row: usize, n: i32, T: i32, scale: f32): void {
  const sv = f32x4.splat(scale);
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) mv = f32x4.max(mv, f32x4.mul(v128.load(row + (<usize>j << 2)), sv));
  let m = hmax(mv);
  for (; j < n; j++) m = max(m, load<f32>(row + (<usize>j << 2)) * scale);
  const mvv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(f32x4.mul(v128.load(row + o), sv), mvv));
    v128.store(row + o, e);
    acc = f32x4.add(acc, e);
  }
  let s = hsum(acc);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = sexp(load<f32>(row + o) * scale - m);
    store<f32>(row + o, e);
    s += e;
  }
  const inv = f32x4.splat(1 / s);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(row + o, f32x4.mul(v128.load(row + o), inv));
  }
  const invS: f32 = 1 / s;
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(row + o, load<f32>(row + o) * invS);
  }
  if (n < T) memory.fill(row + (<usize>n << 2), 0, <usize>(T - n) << 2);
}

/**
 * Gradients of attentionForward: dqkv [B, T, 3D] from dout [B, T, D], the saved P and qkv.
 * `scratch`: T·T floats per thread.
 */
export function attentionBackward(
  qkv: usize, P: usize, dout: usize, dqkv: usize,
  T: i32, H: i32, dh: i32, scale: f32,
  pair0: i32, count: i32, work: usize, scratch: usize,
): void {
  const D = H * dh;
  for (let pair = pair0; pair < pair0 + count; pair++) {
    const b = pair / H;
    const h = pair - b * H;
    const base = <usize>(b * T * 3 * D + h * dh) << 2;
    const q = qkv + base;
    const k = q + (<usize>D << 2);
    const v = q + (<usize>(2 * D) << 2);
    const dq = dqkv + base;
    const dk = dq + (<usize>D << 2);
    const dv = dq + (<usize>(2 * D) << 2);
    const p = P + (<usize>(pair * T * T) << 2);
    const dO = dout + (<usize>(b * T * D + h * dh) << 2);
    // dv = Pᵀ·dO
    gemm(p, 1, T, dO, D, 1, dv, 3 * D, 0, T, 0, dh, T, false, 0, 0, work);
    // dP = dO·vᵀ
    gemm(dO, D, 1, v, 1, 3 * D, scratch, T, 0, T, 0, T, dh, false, 0, 0, work);
    // dS = scale · P ∘ (dP − Σ_j dP·P)
    for (let i = 0; i < T; i++) {
      const pr = p + (<usize>(i * T) << 2);
      const dr = scratch + (<usize>(i * T) << 2);
      let acc = f32x4.splat(0);
      let j = 0;
      for (; j + 4 <= T; j += 4) {
        const o = <usize>j << 2;
        acc = f32x4.add(acc, f32x4.mul(v128.load(pr + o), v128.load(dr + o)));
      }
      let dot = hsum(acc);
      for (; j < T; j++) dot += load<f32>(pr + (<usize>j << 2)) * load<f32>(dr + (<usize>j << 2));
      const dv4 = f32x4.splat(dot);
      const sc = f32x4.splat(scale);
      j = 0;
      for (; j + 4 <= T; j += 4) {
        const o = <usize>j << 2;
        v128.store(dr + o, f32x4.mul(sc, f32x4.mul(v128.load(pr + o), f32x4.sub(v128.load(dr + o), dv4))));
      }
      for (; j < T; j++) {
        const o = <usize>j << 2;
        store<f32>(dr + o, scale * load<f32>(pr + o) * (load<f32>(dr + o) - dot));
      }
    }
    // dq = dS·k, dk = dSᵀ·q
    gemm(scratch, T, 1, k, 3 * D, 1, dq, 3 * D, 0, T, 0, dh, T, false, 0, 0, work);
    gemm(scratch, 1, T, q, 3 * D, 1, dk, 3 * D, 0, T, 0, dh, T, false, 0, 0, work);
  }
}

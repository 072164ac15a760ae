// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
import { hsum } from './math';

/**
 * LayerNorm over the last dimension of x [rows, D]: y = (x − mean)·rstd·g + b with
 * rstd = 1/√(var + eps) (biased variance, as tf.moments). Saves mean and rstd per row.
 * Rows r0..r0+count (threads split rows).
 */
export function layerNormForward(x: usize, g: usize, b: usize, y: usize, mean: usize, rstd: usize, r0: i32, count: i32, D: i32, eps: f32): void {
  const invD: f32 = 1 / <f32>D;
  for (let r = r0; r < r0 + count; r++) {
    const row = x + (<usize>(r * D) << 2);
    const out = y + (<usize>(r * D) << 2);
    let s = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= D; j += 4) s = f32x4.add(s, v128.load(row + (<usize>j << 2)));
    let sum = hsum(s);
    for (; j < D; j++) sum += load<f32>(row + (<usize>j << 2));
    const mu = sum * invD;
    const muv = f32x4.splat(mu);
    let q = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= D; j += 4) {
      const d = f32x4.sub(v128.load(row + (<usize>j << 2)), muv);
      q = f32x4.add(q, f32x4.mul(d, d));
    }
    let sq = hsum(q);
    for (; j < D; j++) {
      const d = load<f32>(row + (<usize>j << 2)) - mu;
      sq += d * d;
    }
    const rs: f32 = 1 / Mathf.sqrt(sq * invD + eps);
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
    const rsv = f32x4.splat(rs);
    j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(row + o), muv), rsv);
      v128.store(out + o, f32x4.add(f32x4.mul(xh, v128.load(g + o)), v128.load(b + o)));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, (load<f32>(row + o) - mu) * rs * load<f32>(g + o) + load<f32>(b + o));
    }
  }
}

/**
 * Gradients of layerNormForward: dx for rows r0..r0+count, and (accumulated into dg, db, which
 * the caller zeroes) the sums over those rows of dy·x̂ and dy.
 */
export function layerNormBackward(dy: usize, x: usize, g: usize, mean: usize, rstd: usize, dx: usize, dg: usize, db: usize, r0: i32, count: i32, D: i32): void {
  const invD: f32 = 1 / <f32>D;
  for (let r = r0; r < r0 + count; r++) {
    const o0 = <usize>(r * D) << 2;
    const mu = f32x4.splat(load<f32>(mean + (<usize>r << 2)));
    const rs = load<f32>(rstd + (<usize>r << 2));
    const rsv = f32x4.splat(rs);
    // Σ dxhat and Σ dxhat·x̂, with dxhat = dy·g
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dy + o0 + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o0 + o), mu), rsv);
      const dxh = f32x4.mul(d, v128.load(g + o));
      s1 = f32x4.add(s1, dxh);
      s2 = f32x4.add(s2, f32x4.mul(dxh, xh));
      v128.store(dg + o, f32x4.add(v128.load(dg + o), f32x4.mul(d, xh)));
      v128.store(db + o, f32x4.add(v128.load(db + o), d));
    }
    let a1 = hsum(s1);
    let a2 = hsum(s2);
    const muS = load<f32>(mean + (<usize>r << 2));
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dy + o0 + o);
      const xh = (load<f32>(x + o0 + o) - muS) * rs;
      const dxh = d * load<f32>(g + o);
      a1 += dxh;
      a2 += dxh * xh;
      store<f32>(dg + o, load<f32>(dg + o) + d * xh);
      store<f32>(db + o, load<f32>(db + o) + d);
    }
    const m1 = f32x4.splat(a1 * invD);
    const m2 = f32x4.splat(a2 * invD);
    j = 0;
    for (; j + 4 <= D; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o0 + o), mu), rsv);
      const dxh = f32x4.mul(v128.load(dy + o0 + o), v128.load(g + o));
      v128.store(dx + o0 + o, f32x4.mul(rsv, f32x4.sub(f32x4.sub(dxh, m1), f32x4.mul(xh, m2))));
    }
    for (; j < D; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(x + o0 + o) - muS) * rs;
      const dxh = load<f32>(dy + o0 + o) * load<f32>(g + o);
      store<f32>(dx + o0 + o, rs * (dxh - a1 * invD - xh * a2 * invD));
    }
  }
}

// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
import { fma, sexp, vexp } from './math';

const K0: f32 = 0.7978845608028654; // √(2/π)
const K1: f32 = 0.044715;

/**
 * y = gelu(x + bias), the tanh approximation (GPT-2): ½u(1 + tanh z) = u·σ(2z) with
 * z = √(2/π)(u + 0.044715u³): one exp and one division a value. x [rows, n], bias [n] (0: none).
 */
export function biasGeluForward(x: usize, bias: usize, y: usize, r0: i32, count: i32, n: i32): void {
  const one = f32x4.splat(1);
  for (let r = r0; r < r0 + count; r++) {
    const o0 = <usize>(r * n) << 2;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      let u = v128.load(x + o0 + o);
      if (bias != 0) u = f32x4.add(u, v128.load(bias + o));
      const u2 = f32x4.mul(u, u);
      // −2z = u·(−2K0 − 2K0K1·u²)
      const m2z = f32x4.mul(u, fma(u2, f32x4.splat(-2 * K0 * K1), f32x4.splat(-2 * K0)));
      v128.store(y + o0 + o, f32x4.div(u, f32x4.add(one, vexp(m2z))));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let u = load<f32>(x + o0 + o);
      if (bias != 0) u += load<f32>(bias + o);
      const e = sexp(u * (-2 * K0 - 2 * K0 * K1 * u * u));
      store<f32>(y + o0 + o, u / (1 + e));
    }
  }
}

/**
 * dx = dy · gelu'(x + bias) for rows r0..r0+count; dbias (caller-zeroed, bias ≠ 0) += Σ rows dx.
 * With s = σ(2z): gelu'(u) = s + 2u·s(1 − s)·√(2/π)(1 + 3·0.044715u²).
 */
export function biasGeluBackward(dy: usize, x: usize, bias: usize, dx: usize, dbias: usize, r0: i32, count: i32, n: i32): void {
  const one = f32x4.splat(1);
  for (let r = r0; r < r0 + count; r++) {
    const o0 = <usize>(r * n) << 2;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      let u = v128.load(x + o0 + o);
      if (bias != 0) u = f32x4.add(u, v128.load(bias + o));
      const u2 = f32x4.mul(u, u);
      const m2z = f32x4.mul(u, fma(u2, f32x4.splat(-2 * K0 * K1), f32x4.splat(-2 * K0)));
      const s = f32x4.div(one, f32x4.add(one, vexp(m2z)));
      const dz = fma(u2, f32x4.splat(3 * K0 * K1), f32x4.splat(K0));
      // s + 2u·s(1−s)·dz
      const d = fma(f32x4.mul(f32x4.add(u, u), f32x4.mul(s, f32x4.sub(one, s))), dz, s);
      const g = f32x4.mul(v128.load(dy + o0 + o), d);
      v128.store(dx + o0 + o, g);
      if (dbias != 0) v128.store(dbias + o, f32x4.add(v128.load(dbias + o), g));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let u = load<f32>(x + o0 + o);
      if (bias != 0) u += load<f32>(bias + o);
      const s: f32 = 1 / (1 + sexp(u * (-2 * K0 - 2 * K0 * K1 * u * u)));
      const d: f32 = s + 2 * u * s * (1 - s) * (K0 + 3 * K0 * K1 * u * u);
      const g = load<f32>(dy + o0 + o) * d;
      store<f32>(dx + o0 + o, g);
      if (dbias != 0) store<f32>(dbias + o, load<f32>(dbias + o) + g);
    }
  }
}

/** out[i] (+)= Σ over rows of x [rows, n] (column sums), for bias gradients. */
export function columnSums(x: usize, out: usize, rows: i32, n: i32, accumulate: bool): void {
  if (!accumulate) memory.fill(out, 0, <usize>n << 2);
  for (let r = 0; r < rows; r++) {
    const o0 = <usize>(r * n) << 2;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(x + o0 + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(x + o0 + o));
    }
  }
}

/** out[j] = Σ_r x[r, j] for columns j0 … j0+cols of x [rows, n] (threads split columns). */
export function columnSumsRange(x: usize, out: usize, rows: i32, n: i32, j0: i32, cols: i32): void {
  // Blocks of 64 columns: 16 vector accumulators walk down the rows.
  let j = j0;
  const end = j0 + cols;
  for (; j + 16 <= end; j += 16) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    const step = <usize>n << 2;
    for (let r = 0; r < rows; r++) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
      p += step;
    }
    const o = out + (<usize>j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j < end; j++) {
    let s: f32 = 0;
    for (let r = 0; r < rows; r++) s += load<f32>(x + (<usize>(r * n + j) << 2));
    store<f32>(out + (<usize>j << 2), s);
  }
}

/** out[r] = Σ_j x[r, j] for rows r0 … r0+count of x [rows, n]. */
export function rowSums(x: usize, out: usize, r0: i32, count: i32, n: i32): void {
  for (let r = r0; r < r0 + count; r++) {
    const row = x + (<usize>(r * n) << 2);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
    let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; j < n; j++) s += load<f32>(row + (<usize>j << 2));
    store<f32>(out + (<usize>r << 2), s);
  }
}

// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.

/** Σ x² over n floats, in f64 (for a global gradient norm). */
export function sumSquares(x: usize, n: i32): f64 {
  let acc = f32x4.splat(0);
  let total: f64 = 0;
  let i = 0;
  // f32 lanes for blocks of 4096, summed into f64: exact enough and fast.
  while (i + 4 <= n) {
    const end = min(n & ~3, i + 4096);
    acc = f32x4.splat(0);
    for (; i < end; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      acc = f32x4.add(acc, f32x4.mul(v, v));
    }
    total += <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    total += <f64>(v * v);
  }
  return total;
}

/**
 * Adam with bias correction, in place over n parameters: g ← g·scale (clipping), then
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − (lr/c1)·m / (√(v/c2) + ε).
 */
export function adamUpdate(p: usize, m: usize, v: usize, g: usize, n: i32, scale: f32, lrc1: f32, beta1: f32, beta2: f32, c2: f32, eps: f32): void {
  const sc = f32x4.splat(scale);
  const b1 = f32x4.splat(beta1);
  const b1c = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2);
  const b2c = f32x4.splat(1 - beta2);
  const lr = f32x4.splat(lrc1);
  const ic2 = f32x4.splat(c2);
  const ep = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gg = f32x4.mul(v128.load(g + o), sc);
    const m1 = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gg, b1c));
    const v1 = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gg, gg), b2c));
    v128.store(m + o, m1);
    v128.store(v + o, v1);
    const upd = f32x4.div(f32x4.mul(m1, lr), f32x4.add(f32x4.sqrt(f32x4.div(v1, ic2)), ep));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gg = load<f32>(g + o) * scale;
    const m1 = load<f32>(m + o) * beta1 + gg * (1 - beta1);
    const v1 = load<f32>(v + o) * beta2 + gg * gg * (1 - beta2);
    store<f32>(m + o, m1);
    store<f32>(v + o, v1);
    store<f32>(p + o, load<f32>(p + o) - (m1 * lrc1) / (Mathf.sqrt(v1 / c2) + eps));
  }
}

/**
 * adamUpdate over a table of `count` parameters: 5 i32 each (p, m, v, g pointers and n).
 * Threads each take their own table.
 */
export function adamUpdateMany(table: usize, count: i32, scale: f32, lrc1: f32, beta1: f32, beta2: f32, c2: f32, eps: f32): void {
  for (let i = 0; i < count; i++) {
    const e = table + (<usize>(i * 5) << 2);
    adamUpdate(load<i32>(e), load<i32>(e, 4), load<i32>(e, 8), load<i32>(e, 12), load<i32>(e, 16), scale, lrc1, beta1, beta2, c2, eps);
  }
}

// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
/**
 * Vector and scalar exp, tanh, sigmoid in f32, accurate to a few ulp (Cephes' expf polynomial
 * after a Cody–Waite reduction), so fused kernels agree with tfjs's own ops to ~1e-7.
 */

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.0; // e^88 = 1.65e38: one 2^n scale stays in range
const EXP_LO: f32 = -87.3365447504; // below: e^x is under the smallest normal, returned as 0
/** 1.5·2^23: adding it rounds to an integer that sits in the low mantissa bits. */
const MAGIC: f32 = 12582912.0;

@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * e^x for x ≤ 88 (larger x gives e^88: callers keep below it, or saturate anyway), 0 below
 * −87.34. pmin/pmax (one instruction each) rather than IEEE min/max.
 */
@inline export function vexp(x: v128): v128 {
  const tooSmall = f32x4.lt(x, f32x4.splat(EXP_LO));
  const v = f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO));
  const t = fma(v, f32x4.splat(LOG2E), f32x4.splat(MAGIC));
  const n = f32x4.sub(t, f32x4.splat(MAGIC));
  let r = fma(n, f32x4.splat(-LN2_HI), v);
  r = fma(n, f32x4.splat(-LN2_LO), r);
  let p = fma(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  p = fma(p, r, f32x4.splat(8.3334519073e-3));
  p = fma(p, r, f32x4.splat(4.1665795894e-2));
  p = fma(p, r, f32x4.splat(1.6666665459e-1));
  p = fma(p, r, f32x4.splat(5.0000001201e-1));
  p = fma(p, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1)));
  // 2^n from the integer in t's mantissa
  const scale = i32x4.shl(i32x4.add(i32x4.sub(t, f32x4.splat(MAGIC)), i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, scale), tooSmall);
}

@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}

/** tanh: Cephes' odd polynomial below |x| = 0.625, else sign(x)·(1 − 2/(e^{2|x|} + 1)). */
@inline export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const e = vexp(f32x4.add(a, a));
  let t = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  // copy the sign of x
  t = v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let q = fma(f32x4.splat(-5.70498872745e-3), z, f32x4.splat(2.06390887954e-2));
  q = fma(q, z, f32x4.splat(-5.37397155531e-2));
  q = fma(q, z, f32x4.splat(1.33314422036e-1));
  q = fma(q, z, f32x4.splat(-3.33332819422e-1));
  const small = fma(f32x4.mul(q, z), x, x);
  return v128.bitselect(small, t, f32x4.lt(a, f32x4.splat(0.625)));
}

@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

@inline export function stanh(x: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(x)), 0);
}

@inline export function ssigmoid(x: f32): f32 {
  return f32x4.extract_lane(vsigmoid(f32x4.splat(x)), 0);
}

/** Horizontal sum of four lanes. */
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Elementwise test hooks: out[i] = f(x[i]) for f = 0 exp, 1 tanh, 2 sigmoid. */
export function mapUnary(x: usize, out: usize, n: i32, f: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const y = f == 0 ? vexp(v) : f == 1 ? vtanh(v) : vsigmoid(v);
    v128.store(out + (<usize>i << 2), y);
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), f == 0 ? sexp(v) : f == 1 ? stanh(v) : ssigmoid(v));
  }
}

// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
/**
 * Single-precision GEMM: C = A·B (+ C) (+ bias, relu), A and B in any transpose, by a
 * register-blocked 2×16 micro-kernel (8 accumulators: V8 gives 16 xmm registers) over B packed
 * into 16-column panels. A is read in place (one load-and-splat per element, so its layout costs
 * nothing); B is packed per KC×n block.
 *
 * Every pointer is a byte offset into the shared memory; matrices are row-major f32.
 * A(i, k) = A[i·ars + k·aks]; B(k, j) = B[k·brs + j·bcs] (element strides).
 */

export const MR = 2;
export const NR = 16;
export const KC = 256;

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Bytes needed to pack a kc×n block of B. */
export function packedBBytes(kc: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * kc * 4;
}

/** Transposes 4 rows of 4 floats (r0..r3) and stores them 64 bytes apart (a panel row each). */
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 64);
  v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 128);
  v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 192);
}

/**
 * Packs B(k0..k0+kc, j0..j0+n) into ceil(n/16) panels, each kc rows of 16 floats (zero padded).
 */
export function packB(B: usize, brs: i32, bcs: i32, k0: i32, kc: i32, j0: i32, n: i32, out: usize): void {
  const panels = (n + NR - 1) / NR;
  let dst = out;
  for (let p = 0; p < panels; p++) {
    const jp = j0 + p * NR;
    const w = min(NR, n - p * NR);
    if (w == NR && bcs == 1) {
      let src = B + (<usize>(k0 * brs + jp) << 2);
      const step = <usize>brs << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        v128.store(dst, v128.load(src, 32), 32);
        v128.store(dst, v128.load(src, 48), 48);
        src += step;
        dst += 64;
      }
    } else if (w == NR && brs == 1) {
      // B transposed: column j is contiguous along k. 4×4 transposes, 4 k at a time.
      const cs = <usize>bcs << 2;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const base = B + (<usize>(k0 + k + jp * bcs) << 2);
        for (let q = 0; q < 4; q++) {
          const b = base + <usize>(4 * q) * cs;
          transpose4(v128.load(b), v128.load(b + cs), v128.load(b + 2 * cs), v128.load(b + 3 * cs), dst + (<usize>q << 4));
        }
        dst += 256;
      }
      for (; k < kc; k++) {
        for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(B + (<usize>((k0 + k) + (jp + c) * bcs) << 2)));
        dst += 64;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const row = B + (<usize>((k0 + k) * brs) << 2);
        for (let c = 0; c < NR; c++) {
          store<f32>(dst + (<usize>c << 2), c < w ? load<f32>(row + (<usize>((jp + c) * bcs) << 2)) : 0);
        }
        dst += 64;
      }
    }
  }
}

@inline function finish(v: v128, dst: usize, j: i32, accumulate: bool, bias: usize, act: i32): v128 {
  let r = v;
  if (accumulate) r = f32x4.add(r, v128.load(dst));
  if (bias != 0) r = f32x4.add(r, v128.load(bias + (<usize>j << 2)));
  if (act == 1) r = f32x4.max(r, f32x4.splat(0));
  return r;
}

/** Stores one row of a tile (16 columns, `cols` of them valid). */
function storeRow(dst: usize, j: i32, cols: i32, v0: v128, v1: v128, v2: v128, v3: v128, accumulate: bool, bias: usize, act: i32): void {
  if (cols == NR) {
    v128.store(dst, finish(v0, dst, j, accumulate, bias, act));
    v128.store(dst, finish(v1, dst + 16, j + 4, accumulate, bias, act), 16);
    v128.store(dst, finish(v2, dst + 32, j + 8, accumulate, bias, act), 32);
    v128.store(dst, finish(v3, dst + 48, j + 12, accumulate, bias, act), 48);
    return;
  }
  // A partial tile: spill the row to the stack-free scratch below the pointer? No: lane by lane.
  for (let c = 0; c < cols; c++) {
    const q = c >> 2;
    const v = q == 0 ? v0 : q == 1 ? v1 : q == 2 ? v2 : v3;
    let x: f32;
    switch (c & 3) {
      case 0: x = f32x4.extract_lane(v, 0); break;
      case 1: x = f32x4.extract_lane(v, 1); break;
      case 2: x = f32x4.extract_lane(v, 2); break;
      default: x = f32x4.extract_lane(v, 3);
    }
    const d = dst + (<usize>c << 2);
    if (accumulate) x += load<f32>(d);
    if (bias != 0) x += load<f32>(bias + (<usize>(j + c) << 2));
    if (act == 1 && x < 0) x = 0;
    store<f32>(d, x);
  }
}

/**
 * Packs rows i0..i0+m of A(·, k0..k0+kc) in pairs: for each pair, kc × [a(i, k), a(i+1, k)]
 * (an odd last row is paired with itself).
 */
export function packA(A: usize, ars: i32, aks: i32, i0: i32, m: i32, k0: i32, kc: i32, out: usize): void {
  let dst = out;
  for (let i = 0; i < m; i += MR) {
    const r0 = A + (<usize>((i0 + i) * ars + k0 * aks) << 2);
    const r1 = i + 1 < m ? r0 + (<usize>ars << 2) : r0;
    if (aks == 1) {
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const x = v128.load(r0 + (<usize>k << 2));
        const y = v128.load(r1 + (<usize>k << 2));
        v128.store(dst, i32x4.shuffle(x, y, 0, 4, 1, 5));
        v128.store(dst, i32x4.shuffle(x, y, 2, 6, 3, 7), 16);
        dst += 32;
      }
      for (; k < kc; k++) {
        store<f32>(dst, load<f32>(r0 + (<usize>k << 2)));
        store<f32>(dst, load<f32>(r1 + (<usize>k << 2)), 4);
        dst += 8;
      }
    } else if (ars == 1 && i + 1 < m) {
      // A transposed: a(i, k) and a(i+1, k) sit side by side — one 8-byte copy a step.
      const step = <usize>aks << 2;
      let p0 = r0;
      for (let k = 0; k < kc; k++) {
        store<u64>(dst, load<u64>(p0));
        p0 += step;
        dst += 8;
      }
    } else {
      const step = <usize>aks << 2;
      let p0 = r0;
      let p1 = r1;
      for (let k = 0; k < kc; k++) {
        store<f32>(dst, load<f32>(p0));
        store<f32>(dst, load<f32>(p1), 4);
        p0 += step;
        p1 += step;
        dst += 8;
      }
    }
  }
}

/**
 * C(i0..i0+m, j0..j0+n) (+)= packedA · packedB for one kc block: packedA holds the row pairs
 * of A(i0..i0+m, k-block) (packA), packedB the panels of B(k-block, j0..j0+n) (packB).
 * `accumulate`: add to C, else overwrite. Then + bias[j] (bias ≠ 0) and relu (act = 1).
 */
export function gemmBlock(
  packedA: usize, packed: usize,
  C: usize, ldc: i32,
  i0: i32, m: i32, j0: i32, n: i32, kc: i32,
  accumulate: bool, bias: usize, act: i32,
): void {
  const panels = (n + NR - 1) / NR;
  const panelBytes = <usize>kc * NR * 4;
  const pairBytes = <usize>kc * 8;
  for (let p = 0; p < panels; p++) {
    const jc = j0 + p * NR;
    const cols = min(NR, n - p * NR);
    const panel = packed + <usize>p * panelBytes;
    let ap = packedA;
    for (let i = 0; i < m; i += MR) {
      let bp = panel;
      const end = bp + panelBytes;
      let a = ap;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
      while (bp < end) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const b2 = v128.load(bp, 32);
        const b3 = v128.load(bp, 48);
        const x0 = v128.load32_splat(a);
        c00 = madd(x0, b0, c00);
        c01 = madd(x0, b1, c01);
        c02 = madd(x0, b2, c02);
        c03 = madd(x0, b3, c03);
        const x1 = v128.load32_splat(a, 4);
        c10 = madd(x1, b0, c10);
        c11 = madd(x1, b1, c11);
        c12 = madd(x1, b2, c12);
        c13 = madd(x1, b3, c13);
        bp += 64;
        a += 8;
      }
      const dst = C + (<usize>((i0 + i) * ldc + jc) << 2);
      storeRow(dst, jc, cols, c00, c01, c02, c03, accumulate, bias, act);
      if (i + 1 < m) storeRow(dst + (<usize>ldc << 2), jc, cols, c10, c11, c12, c13, accumulate, bias, act);
      ap += pairBytes;
    }
  }
}

/** Column block: packed B blocks are KC × NC (256 KiB). */
export const NC = 256;
/** Row block: packed A blocks are MC × KC (64 KiB). */
export const MC = 64;

/** Scratch bytes `gemm` needs in `work`. */
export function gemmWorkBytes(): i32 {
  return (KC * NC + MC * KC) * 4;
}

/**
 * C[i0..i0+m, j0..j0+n] (+)= A·B over the whole K, with `work` scratch (gemmWorkBytes()).
 * Threads split the work by rows or columns, each with its own `work`.
 */
export function gemm(
  A: usize, ars: i32, aks: i32,
  B: usize, brs: i32, bcs: i32,
  C: usize, ldc: i32,
  i0: i32, m: i32, j0: i32, n: i32, K: i32,
  accumulate: bool, bias: usize, act: i32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (K == 0) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const d = C + (<usize>((i0 + i) * ldc + j0 + j) << 2);
        let x: f32 = accumulate ? load<f32>(d) : 0;
        if (bias != 0) x += load<f32>(bias + (<usize>(j0 + j) << 2));
        if (act == 1 && x < 0) x = 0;
        store<f32>(d, x);
      }
    }
    return;
  }
  const packedB = work;
  const packedA = work + <usize>(KC * NC * 4);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      packB(B, brs, bcs, k0, kc, j0 + jc, nc, packedB);
      const last = k0 + kc >= K;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(A, ars, aks, i0 + ic, mc, k0, kc, packedA);
        gemmBlock(packedA, packedB, C, ldc, i0 + ic, mc, j0 + jc, nc, kc, accumulate || k0 > 0, last ? bias : 0, last ? act : 0);
      }
    }
  }
}

/**
 * `count` independent products starting at batch `b0`: product b reads A + b·strideA,
 * B + b·strideB (strideB 0: one B shared by all) and writes C + b·strideC (strides in elements).
 */
export function gemmBatched(
  A: usize, ars: i32, aks: i32, strideA: i32,
  B: usize, brs: i32, bcs: i32, strideB: i32,
  C: usize, ldc: i32, strideC: i32,
  b0: i32, count: i32, m: i32, n: i32, K: i32,
  accumulate: bool, work: usize,
): void {
  for (let b = b0; b < b0 + count; b++) {
    gemm(
      A + (<usize>(b * strideA) << 2), ars, aks,
      B + (<usize>(b * strideB) << 2), brs, bcs,
      C + (<usize>(b * strideC) << 2), ldc,
      0, m, 0, n, K, accumulate, 0, 0, work,
    );
  }
}

/** Bytes of packBFull's output for a K×n B. */
export function packedBFullBytes(K: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * K * 4;
}

/**
 * Packs all of B(0..K, j0..j0+n) once, for many gemmPacked calls: k-blocks of KC rows, each
 * holding ceil(n/16) panels (panel p of k-block k0 starts at out + (k0·P + p·kc)·64 bytes,
 * P = ceil(n/16)).
 */
export function packBFull(B: usize, brs: i32, bcs: i32, K: i32, j0: i32, n: i32, out: usize): void {
  const P = (n + NR - 1) / NR;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    packB(B, brs, bcs, k0, kc, j0, n, out + <usize>(k0 * P) * 64);
  }
}

/**
 * C(0..m, p0·16 .. (p0+np)·16 ∧ nTotal) (+)= A(0..m, 0..K) · B, B pre-packed by packBFull
 * (nTotal columns). Only panels p0 … p0+np−1 (threads split panels); A is packed into `work`.
 */
export function gemmPacked(
  A: usize, ars: i32, aks: i32,
  packed: usize, nTotal: i32,
  C: usize, ldc: i32,
  m: i32, p0: i32, np: i32, K: i32,
  accumulate: bool, work: usize,
): void {
  gemmPackedBias(A, ars, aks, packed, nTotal, C, ldc, m, p0, np, K, accumulate, 0, 0, work);
}

/** gemmPacked, then + bias[j] (bias ≠ 0) and relu (act = 1). */
export function gemmPackedBias(
  A: usize, ars: i32, aks: i32,
  packed: usize, nTotal: i32,
  C: usize, ldc: i32,
  m: i32, p0: i32, np: i32, K: i32,
  accumulate: bool, bias: usize, act: i32, work: usize,
): void {
  if (np <= 0 || m <= 0) return;
  const P = (nTotal + NR - 1) / NR;
  const j0 = p0 * NR;
  const n = min(np * NR, nTotal - j0);
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const block = packed + <usize>(k0 * P + p0 * kc) * 64;
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(A, ars, aks, ic, mc, k0, kc, work);
      const last = k0 + kc >= K;
      gemmBlock(work, block, C, ldc, ic, mc, j0, n, kc, accumulate || k0 > 0, last ? bias : 0, last ? act : 0);
    }
  }
}

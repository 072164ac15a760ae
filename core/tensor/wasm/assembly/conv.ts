// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
import { gemm, gemmPackedBias, NR } from './gemm';

/**
 * im2col for stride-1 convolutions in NHWC: the rows of a GEMM operand, one output position a
 * row, one (tap, channel) a column, only for the taps listed (masked convolutions skip the taps
 * their mask closes). Zero where a tap falls outside the image.
 */

/**
 * out[r − r0, t·C + c] = x[b, oy + dy_t, ox + dx_t, c] for rows r = (b·OH + oy)·OW + ox in
 * r0 … r0+count; taps: nTaps pairs of i32 (dy, dx).
 */
export function im2col(x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, taps: usize, nTaps: i32, out: usize, r0: i32, count: i32): void {
  const rowFloats = nTaps * C;
  const cBytes = <usize>C << 2;
  const per = OH * OW;
  for (let r = r0; r < r0 + count; r++) {
    const b = r / per;
    const rem = r - b * per;
    const oy = rem / OW;
    const ox = rem - oy * OW;
    let dst = out + (<usize>((r - r0) * rowFloats) << 2);
    for (let t = 0; t < nTaps; t++) {
      const iy = oy + load<i32>(taps + (<usize>(2 * t) << 2));
      const ix = ox + load<i32>(taps + (<usize>(2 * t + 1) << 2));
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
        memory.fill(dst, 0, cBytes);
      } else {
        const src = x + (<usize>(((b * H + iy) * W + ix) * C) << 2);
        if (C == 1) store<f32>(dst, load<f32>(src));
        else memory.copy(dst, src, cBytes);
      }
      dst += cBytes;
    }
  }
}

/**
 * Rows r0 … r0+count of a convolution as a product, a block of `block` rows at a time, so the
 * block's im2col (`col`: block·nTaps·C floats of this thread's scratch) stays in cache between
 * being written and being read: out[r, 0..N) = im2col(x)[r] · W (+ bias, relu), W pre-packed by
 * packBFull (K = nTaps·C rows, N columns). The same arithmetic as one product over all rows, so
 * a row's result does not depend on the block or thread that computes it.
 */
export function convRows(
  x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, taps: usize, nTaps: i32,
  packed: usize, N: i32, out: usize, bias: usize, act: i32,
  r0: i32, count: i32, block: i32, col: usize, work: usize,
): void {
  const K = nTaps * C;
  const P = (N + NR - 1) / NR;
  for (let r = r0; r < r0 + count; r += block) {
    const n = min(block, r0 + count - r);
    im2col(x, H, W, C, OH, OW, taps, nTaps, col, r, n);
    gemmPackedBias(col, K, 1, packed, N, out + (<usize>(r * N) << 2), N, n, 0, P, K, false, bias, act, work);
  }
}

/**
 * A filter gradient's share: dw[K, N] = Σ over rows r0 … r0+count of im2col(x)[r]ᵀ · dy[r], a
 * block of rows at a time (im2col into this thread's `col`); dw is overwritten (zero when count
 * is 0). Threads each sum their rows into their own dw; the caller adds those up.
 */
export function convFilterGradRows(
  x: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, taps: usize, nTaps: i32,
  dy: usize, N: i32, dw: usize, r0: i32, count: i32, block: i32, col: usize, work: usize,
): void {
  const K = nTaps * C;
  if (count <= 0) {
    memory.fill(dw, 0, <usize>(K * N) << 2);
    return;
  }
  for (let r = r0; r < r0 + count; r += block) {
    const n = min(block, r0 + count - r);
    im2col(x, H, W, C, OH, OW, taps, nTaps, col, r, n);
    gemm(col, 1, K, dy + (<usize>(r * N) << 2), N, 1, dw, N, 0, K, 0, N, n, r > r0, 0, 0, work);
  }
}

/** out[i] = dy[i] where y[i] > 0, else 0 (the ReLU gradient). */
export function reluGrad(dy: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

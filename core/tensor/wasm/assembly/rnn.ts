// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
/**
 * Whole-sequence recurrent layers (vanilla tanh RNN, GRU, LSTM; PyTorch gate orders) forward and
 * backward, the time loop inside WebAssembly. Threads split the hidden units (blocks of 16): each
 * computes its units' columns of the recurrent product and their gates, then all meet at a
 * barrier before the next step (one barrier a step).
 *
 * Layouts (f32, row-major): xp [B, T, G·H] = x·Wx + b (gate q of unit j at column q·H + j);
 * Wh [H, G·H]; bh [G·H] (GRU); h0, c0 [B, H]; hs, cs [B, T, H]; acts [B, T, 4H] saved for the
 * backward pass (LSTM: i, f, g, o; GRU: r, z, n, hn = the hidden part of n's pre-activation).
 * Cells: 0 rnn (G 1), 1 gru (G 3), 2 lstm (G 4).
 */
import { barrier } from './sync';
import { gemmPacked, packB, KC, NR } from './gemm';
import { vsigmoid, vtanh, ssigmoid, stanh } from './math';

const U: i32 = 16; // units a block (one GEMM panel a gate)

@inline function gatesOf(cell: i32): i32 {
  return cell == 0 ? 1 : cell == 1 ? 3 : 4;
}

/** Bytes packRecurrentWeights writes for hidden size H. */
export function packedRecurrentBytes(cell: i32, H: i32): i32 {
  const blocks = (H + U - 1) / U;
  return blocks * gatesOf(cell) * U * H * 4;
}

/**
 * Packs Wh [H, G·H] for the forward product with its columns in gate-interleaved blocks:
 * block b holds, for each gate q, the 16 units b·16 … b·16+15 (one GEMM panel each), so a
 * thread's units are one contiguous run of panels.
 */
export function packRecurrentWeights(cell: i32, Wh: usize, H: i32, out: usize): void {
  const G = gatesOf(cell);
  const blocks = (H + U - 1) / U;
  const P = blocks * G;
  for (let k0 = 0; k0 < H; k0 += KC) {
    const kc = min(KC, H - k0);
    for (let b = 0; b < blocks; b++) {
      for (let q = 0; q < G; q++) {
        const p = b * G + q;
        packB(Wh, G * H, 1, k0, kc, q * H + b * U, min(U, H - b * U), out + <usize>(k0 * P + p * kc) * 64);
      }
    }
  }
}

/** This thread's blocks of units: [first, end). */
@inline function myBlocks(H: i32, tid: i32, nthreads: i32): i64 {
  const blocks = (H + U - 1) / U;
  const first = (blocks * tid) / nthreads;
  const end = (blocks * (tid + 1)) / nthreads;
  return (<i64>first << 32) | <i64>end;
}

/**
 * Forward over T steps; run by every thread (tid of nthreads) at once. `z`: [B, blocks·G·16]
 * scratch for the recurrent product; `work`: this thread's GEMM scratch; `bar`: barrier words.
 */
export function rnnForward(
  cell: i32, tid: i32, nthreads: i32, bar: usize,
  xp: usize, packedWh: usize, bh: usize, h0: usize, c0: usize,
  hs: usize, acts: usize, cs: usize, z: usize,
  B: i32, T: i32, H: i32, work: usize,
): void {
  const G = gatesOf(cell);
  const blocks = (H + U - 1) / U;
  const N = blocks * G * U; // columns of z
  const range = myBlocks(H, tid, nthreads);
  const b0 = <i32>(range >> 32);
  const b1 = <i32>(range & 0xffffffff);
  const GH = G * H;
  for (let t = 0; t < T; t++) {
    // z[:, my panels] = h_{t-1} · Wh
    const A = t == 0 ? h0 : hs + (<usize>((t - 1) * H) << 2);
    const ars = t == 0 ? H : T * H;
    gemmPacked(A, ars, 1, packedWh, N, z, N, B, b0 * G, (b1 - b0) * G, H, false, work);
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const xr = xp + (<usize>(row * GH) << 2);
      const zr = z + (<usize>(b * N) << 2);
      const hOut = hs + (<usize>(row * H) << 2);
      const hPrev = t == 0 ? h0 + (<usize>(b * H) << 2) : hs + (<usize>((row - 1) * H) << 2);
      for (let blk = b0; blk < b1; blk++) {
        const u0 = blk * U;
        const zb = zr + (<usize>(blk * G * U) << 2);
        if (u0 + U <= H) {
          for (let v = 0; v < U; v += 4) {
            const j = u0 + v;
            const o = <usize>j << 2;
            const zo = <usize>v << 2;
            if (cell == 0) {
              const h = vtanh(f32x4.add(v128.load(xr + o), v128.load(zb + zo)));
              v128.store(hOut + o, h);
            } else if (cell == 2) {
              const ig = vsigmoid(f32x4.add(v128.load(xr + o), v128.load(zb + zo)));
              const fg = vsigmoid(f32x4.add(v128.load(xr + o + (<usize>H << 2)), v128.load(zb + zo + (<usize>U << 2))));
              const gg = vtanh(f32x4.add(v128.load(xr + o + (<usize>(2 * H) << 2)), v128.load(zb + zo + (<usize>(2 * U) << 2))));
              const og = vsigmoid(f32x4.add(v128.load(xr + o + (<usize>(3 * H) << 2)), v128.load(zb + zo + (<usize>(3 * U) << 2))));
              const cPrev = t == 0 ? v128.load(c0 + (<usize>(b * H) << 2) + o) : v128.load(cs + (<usize>((row - 1) * H) << 2) + o);
              const c = f32x4.add(f32x4.mul(fg, cPrev), f32x4.mul(ig, gg));
              const h = f32x4.mul(og, vtanh(c));
              const ar = acts + (<usize>(row * 4 * H) << 2) + o;
              v128.store(ar, ig);
              v128.store(ar + (<usize>H << 2), fg);
              v128.store(ar + (<usize>(2 * H) << 2), gg);
              v128.store(ar + (<usize>(3 * H) << 2), og);
              v128.store(cs + (<usize>(row * H) << 2) + o, c);
              v128.store(hOut + o, h);
            } else {
              const hr = f32x4.add(v128.load(zb + zo), v128.load(bh + o));
              const hz = f32x4.add(v128.load(zb + zo + (<usize>U << 2)), v128.load(bh + o + (<usize>H << 2)));
              const hn = f32x4.add(v128.load(zb + zo + (<usize>(2 * U) << 2)), v128.load(bh + o + (<usize>(2 * H) << 2)));
              const r = vsigmoid(f32x4.add(v128.load(xr + o), hr));
              const zz = vsigmoid(f32x4.add(v128.load(xr + o + (<usize>H << 2)), hz));
              const n = vtanh(f32x4.add(v128.load(xr + o + (<usize>(2 * H) << 2)), f32x4.mul(r, hn)));
              const hp = v128.load(hPrev + o);
              // h = n + z·(h_prev − n)
              const h = f32x4.add(n, f32x4.mul(zz, f32x4.sub(hp, n)));
              const ar = acts + (<usize>(row * 4 * H) << 2) + o;
              v128.store(ar, r);
              v128.store(ar + (<usize>H << 2), zz);
              v128.store(ar + (<usize>(2 * H) << 2), n);
              v128.store(ar + (<usize>(3 * H) << 2), hn);
              v128.store(hOut + o, h);
            }
          }
        } else {
          for (let j = u0; j < H; j++) {
            const o = <usize>j << 2;
            const zo = <usize>(j - u0) << 2;
            if (cell == 0) {
              store<f32>(hOut + o, stanh(load<f32>(xr + o) + load<f32>(zb + zo)));
            } else if (cell == 2) {
              const ig = ssigmoid(load<f32>(xr + o) + load<f32>(zb + zo));
              const fg = ssigmoid(load<f32>(xr + o + (<usize>H << 2)) + load<f32>(zb + zo + (<usize>U << 2)));
              const gg = stanh(load<f32>(xr + o + (<usize>(2 * H) << 2)) + load<f32>(zb + zo + (<usize>(2 * U) << 2)));
              const og = ssigmoid(load<f32>(xr + o + (<usize>(3 * H) << 2)) + load<f32>(zb + zo + (<usize>(3 * U) << 2)));
              const cPrev = t == 0 ? load<f32>(c0 + (<usize>(b * H) << 2) + o) : load<f32>(cs + (<usize>((row - 1) * H) << 2) + o);
              const c = fg * cPrev + ig * gg;
              const ar = acts + (<usize>(row * 4 * H) << 2) + o;
              store<f32>(ar, ig);
              store<f32>(ar + (<usize>H << 2), fg);
              store<f32>(ar + (<usize>(2 * H) << 2), gg);
              store<f32>(ar + (<usize>(3 * H) << 2), og);
              store<f32>(cs + (<usize>(row * H) << 2) + o, c);
              store<f32>(hOut + o, og * stanh(c));
            } else {
              const hr = load<f32>(zb + zo) + load<f32>(bh + o);
              const hz = load<f32>(zb + zo + (<usize>U << 2)) + load<f32>(bh + o + (<usize>H << 2));
              const hn = load<f32>(zb + zo + (<usize>(2 * U) << 2)) + load<f32>(bh + o + (<usize>(2 * H) << 2));
              const r = ssigmoid(load<f32>(xr + o) + hr);
              const zz = ssigmoid(load<f32>(xr + o + (<usize>H << 2)) + hz);
              const n = stanh(load<f32>(xr + o + (<usize>(2 * H) << 2)) + r * hn);
              const hp = load<f32>(hPrev + o);
              const ar = acts + (<usize>(row * 4 * H) << 2) + o;
              store<f32>(ar, r);
              store<f32>(ar + (<usize>H << 2), zz);
              store<f32>(ar + (<usize>(2 * H) << 2), n);
              store<f32>(ar + (<usize>(3 * H) << 2), hn);
              store<f32>(hOut + o, n + zz * (hp - n));
            }
          }
        }
      }
    }
    barrier(bar, nthreads);
  }
}

/**
 * Backward over T steps (every thread at once). dhs [B, T, H]: the loss gradient for each
 * output. Writes dxp [B, T, G·H] (= dL/d xp) and, for the GRU, dhp [B, T, 3H] (= dL/d(h·Wh + bh)).
 * dh [B, H] and dc [B, H] (LSTM): zeroed (or the final state's gradient) by the caller; hold
 * dL/dh0, dL/dc0 at the end. packedWhT: Whᵀ packed by packBFull (K = G·H, n = H).
 */
export function rnnBackward(
  cell: i32, tid: i32, nthreads: i32, bar: usize,
  dhs: usize, packedWhT: usize, h0: usize, c0: usize,
  hs: usize, acts: usize, cs: usize,
  dxp: usize, dhp: usize, dh: usize, dc: usize,
  B: i32, T: i32, H: i32, work: usize,
): void {
  const G = gatesOf(cell);
  const GH = G * H;
  const range = myBlocks(H, tid, nthreads);
  const b0 = <i32>(range >> 32);
  const b1 = <i32>(range & 0xffffffff);
  const j0 = b0 * U;
  const j1 = min(b1 * U, H);
  const one = f32x4.splat(1);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const row = b * T + t;
      const dhr = dh + (<usize>(b * H) << 2);
      const dcr = dc + (<usize>(b * H) << 2);
      const dhsr = dhs + (<usize>(row * H) << 2);
      const dx = dxp + (<usize>(row * GH) << 2);
      const ar = acts + (<usize>(row * 4 * H) << 2);
      const hPrev = t == 0 ? h0 + (<usize>(b * H) << 2) : hs + (<usize>((row - 1) * H) << 2);
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        const o = <usize>j << 2;
        const g = f32x4.add(v128.load(dhsr + o), v128.load(dhr + o));
        if (cell == 0) {
          const h = v128.load(hs + (<usize>(row * H) << 2) + o);
          v128.store(dx + o, f32x4.mul(g, f32x4.sub(one, f32x4.mul(h, h))));
        } else if (cell == 2) {
          const ig = v128.load(ar + o);
          const fg = v128.load(ar + o + (<usize>H << 2));
          const gg = v128.load(ar + o + (<usize>(2 * H) << 2));
          const og = v128.load(ar + o + (<usize>(3 * H) << 2));
          const c = v128.load(cs + (<usize>(row * H) << 2) + o);
          const cPrev = t == 0 ? v128.load(c0 + (<usize>(b * H) << 2) + o) : v128.load(cs + (<usize>((row - 1) * H) << 2) + o);
          const tc = vtanh(c);
          const dO = f32x4.mul(g, tc);
          const dC = f32x4.add(f32x4.mul(f32x4.mul(g, og), f32x4.sub(one, f32x4.mul(tc, tc))), v128.load(dcr + o));
          v128.store(dcr + o, f32x4.mul(dC, fg));
          v128.store(dx + o, f32x4.mul(f32x4.mul(dC, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
          v128.store(dx + o + (<usize>H << 2), f32x4.mul(f32x4.mul(dC, cPrev), f32x4.mul(fg, f32x4.sub(one, fg))));
          v128.store(dx + o + (<usize>(2 * H) << 2), f32x4.mul(f32x4.mul(dC, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
          v128.store(dx + o + (<usize>(3 * H) << 2), f32x4.mul(dO, f32x4.mul(og, f32x4.sub(one, og))));
        } else {
          const r = v128.load(ar + o);
          const zz = v128.load(ar + o + (<usize>H << 2));
          const n = v128.load(ar + o + (<usize>(2 * H) << 2));
          const hn = v128.load(ar + o + (<usize>(3 * H) << 2));
          const hp = v128.load(hPrev + o);
          const dn = f32x4.mul(g, f32x4.sub(one, zz));
          const dz = f32x4.mul(g, f32x4.sub(hp, n));
          const dnp = f32x4.mul(dn, f32x4.sub(one, f32x4.mul(n, n)));
          const drp = f32x4.mul(f32x4.mul(dnp, hn), f32x4.mul(r, f32x4.sub(one, r)));
          const dzp = f32x4.mul(dz, f32x4.mul(zz, f32x4.sub(one, zz)));
          v128.store(dx + o, drp);
          v128.store(dx + o + (<usize>H << 2), dzp);
          v128.store(dx + o + (<usize>(2 * H) << 2), dnp);
          const dp = dhp + (<usize>(row * GH) << 2);
          v128.store(dp + o, drp);
          v128.store(dp + o + (<usize>H << 2), dzp);
          v128.store(dp + o + (<usize>(2 * H) << 2), f32x4.mul(dnp, r));
          // the direct path h_prev → h, added to the product below
          v128.store(dhr + o, f32x4.mul(g, zz));
        }
      }
      for (; j < j1; j++) {
        const o = <usize>j << 2;
        const g = load<f32>(dhsr + o) + load<f32>(dhr + o);
        if (cell == 0) {
          const h = load<f32>(hs + (<usize>(row * H) << 2) + o);
          store<f32>(dx + o, g * (1 - h * h));
        } else if (cell == 2) {
          const ig = load<f32>(ar + o);
          const fg = load<f32>(ar + o + (<usize>H << 2));
          const gg = load<f32>(ar + o + (<usize>(2 * H) << 2));
          const og = load<f32>(ar + o + (<usize>(3 * H) << 2));
          const c = load<f32>(cs + (<usize>(row * H) << 2) + o);
          const cPrev = t == 0 ? load<f32>(c0 + (<usize>(b * H) << 2) + o) : load<f32>(cs + (<usize>((row - 1) * H) << 2) + o);
          const tc = stanh(c);
          const dO = g * tc;
          const dC = g * og * (1 - tc * tc) + load<f32>(dcr + o);
          store<f32>(dcr + o, dC * fg);
          store<f32>(dx + o, dC * gg * ig * (1 - ig));
          store<f32>(dx + o + (<usize>H << 2), dC * cPrev * fg * (1 - fg));
          store<f32>(dx + o + (<usize>(2 * H) << 2), dC * ig * (1 - gg * gg));
          store<f32>(dx + o + (<usize>(3 * H) << 2), dO * og * (1 - og));
        } else {
          const r = load<f32>(ar + o);
          const zz = load<f32>(ar + o + (<usize>H << 2));
          const n = load<f32>(ar + o + (<usize>(2 * H) << 2));
          const hn = load<f32>(ar + o + (<usize>(3 * H) << 2));
          const hp = load<f32>(hPrev + o);
          const dn = g * (1 - zz);
          const dnp = dn * (1 - n * n);
          const drp = dnp * hn * r * (1 - r);
          const dzp = g * (hp - n) * zz * (1 - zz);
          store<f32>(dx + o, drp);
          store<f32>(dx + o + (<usize>H << 2), dzp);
          store<f32>(dx + o + (<usize>(2 * H) << 2), dnp);
          const dp = dhp + (<usize>(row * GH) << 2);
          store<f32>(dp + o, drp);
          store<f32>(dp + o + (<usize>H << 2), dzp);
          store<f32>(dp + o + (<usize>(2 * H) << 2), dnp * r);
          store<f32>(dhr + o, g * zz);
        }
      }
    }
    barrier(bar, nthreads);
    // dh[:, my units] (+)= D_t · Whᵀ[:, my units], D = dxp (rnn, lstm) or dhp (gru)
    const D = (cell == 1 ? dhp : dxp) + (<usize>(t * GH) << 2);
    gemmPacked(D, T * GH, 1, packedWhT, H, dh, H, B, b0, b1 - b0, GH, cell == 1, work);
  }
}

/** hPrev [B, T, H]: row (b, t) = h_{t−1} (h0 for t = 0), for the weight gradient hPrevᵀ·D. */
export function shiftStates(hs: usize, h0: usize, out: usize, B: i32, T: i32, H: i32): void {
  const rowBytes = <usize>H << 2;
  for (let b = 0; b < B; b++) {
    const dst = out + <usize>(b * T * H) * 4;
    memory.copy(dst, h0 + <usize>(b * H) * 4, rowBytes);
    if (T > 1) memory.copy(dst + rowBytes, hs + <usize>(b * T * H) * 4, rowBytes * <usize>(T - 1));
  }
}

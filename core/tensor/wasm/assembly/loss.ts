// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
import { vexp, sexp, hmax, hsum } from './math';

/**
 * Softmax cross-entropy of logits [N, V] against int32 targets [N], each row weighted by
 * weights[i] (0: all 1). Writes nll[i] = logsumexp(z_i) − z_i,t (weighted rows only matter to the
 * caller) for rows r0..r0+count. Targets outside [0, V) give nll 0 (and no gradient).
 */
export function softmaxCrossEntropyForward(logits: usize, targets: usize, nll: usize, r0: i32, count: i32, V: i32): void {
  for (let r = r0; r < r0 + count; r++) {
    const row = logits + (<usize>(r * V) << 2);
    const lse = logSumExp(row, V);
    const t = load<i32>(targets + (<usize>r << 2));
    store<f32>(nll + (<usize>r << 2), t >= 0 && t < V ? lse - load<f32>(row + (<usize>t << 2)) : 0);
  }
}

@inline function logSumExp(row: usize, V: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= V; j += 4) mv = f32x4.max(mv, v128.load(row + (<usize>j << 2)));
  let m = hmax(mv);
  for (; j < V; j++) m = max(m, load<f32>(row + (<usize>j << 2)));
  const mvv = f32x4.splat(m);
  let sv = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= V; j += 4) sv = f32x4.add(sv, vexp(f32x4.sub(v128.load(row + (<usize>j << 2)), mvv)));
  let s = hsum(sv);
  for (; j < V; j++) s += sexp(load<f32>(row + (<usize>j << 2)) - m);
  return m + Mathf.log(s);
}

/**
 * dlogits[i, :] = scale_i · (softmax(z_i) − onehot(t_i)), scale_i = coef · weights[i] (weights 0:
 * coef alone), for rows r0..r0+count.
 */
export function softmaxCrossEntropyBackward(logits: usize, targets: usize, weights: usize, coef: f32, dlogits: usize, r0: i32, count: i32, V: i32): void {
  for (let r = r0; r < r0 + count; r++) {
    const row = logits + (<usize>(r * V) << 2);
    const out = dlogits + (<usize>(r * V) << 2);
    const scale: f32 = weights != 0 ? coef * load<f32>(weights + (<usize>r << 2)) : coef;
    const t = load<i32>(targets + (<usize>r << 2));
    if (scale == 0 || t < 0 || t >= V) {
      memory.fill(out, 0, <usize>V << 2);
      continue;
    }
    const lse = logSumExp(row, V);
    const lv = f32x4.splat(lse);
    const sv = f32x4.splat(scale);
    let j = 0;
    for (; j + 4 <= V; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.mul(sv, vexp(f32x4.sub(v128.load(row + o), lv))));
    }
    for (; j < V; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, scale * sexp(load<f32>(row + o) - lse));
    }
    const to = out + (<usize>t << 2);
    store<f32>(to, load<f32>(to) - scale);
  }
}

import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

import type { RnnCell } from '../rnnCell.ts';

export interface RnnState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

/**
 * One recurrence step given the projected input xp = x·Wx + b ([B, G·H]), with plain tfjs ops.
 * PyTorch conventions: gate order i, f, g, o (LSTM) and r, z, n (GRU; bh is its b_hh).
 */
export function rnnCellStep(cell: RnnCell, xp: tf.Tensor2D, st: RnnState, wh: tf.Tensor2D, bh: tf.Tensor1D | null): RnnState {
  switch (cell) {
    case 'rnn':
      return { h: tf.tanh(tf.add(xp, tf.matMul(st.h, wh))) };
    case 'lstm': {
      const z = tf.add(xp, tf.matMul(st.h, wh));
      const [i, f, g, o] = tf.split(z, 4, 1) as tf.Tensor2D[];
      const c = tf.add(tf.mul(tf.sigmoid(f!), st.c!), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
      return { h: tf.mul(tf.sigmoid(o!), tf.tanh(c)) as tf.Tensor2D, c };
    }
    case 'gru': {
      const hp = tf.add(tf.matMul(st.h, wh), bh!);
      const [xr, xz, xn] = tf.split(xp, 3, 1) as tf.Tensor2D[];
      const [hr, hz, hn] = tf.split(hp, 3, 1) as tf.Tensor2D[];
      const r = tf.sigmoid(tf.add(xr!, hr!));
      const z = tf.sigmoid(tf.add(xz!, hz!));
      const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
      // h' = (1 - z) * n + z * h
      return { h: tf.add(n, tf.mul(z, tf.sub(st.h, n))) as tf.Tensor2D };
    }
  }
}

/** The whole sequence with plain tfjs ops, one step at a time: hs [B, T, H] and the final state. */
export function rnnSequenceReference(
  cell: RnnCell,
  xp: tf.Tensor3D,
  wh: tf.Tensor2D,
  bh: tf.Tensor1D | null,
  state0: RnnState,
): { hs: tf.Tensor3D; state: RnnState } {
  const T = xp.shape[1];
  // (tfjs 4.22's unstack gradient fails for one step: a reshape instead)
  const xs = T === 1 ? [tf.reshape(xp, [xp.shape[0], xp.shape[2]]) as tf.Tensor2D] : (tf.unstack(xp, 1) as tf.Tensor2D[]);
  let st = state0;
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    st = rnnCellStep(cell, xs[t]!, st, wh, bh);
    hs.push(st.h);
  }
  // (tf.stack of one tensor has no gradient in tfjs 4.22: expandDims instead)
  return { hs: (T === 1 ? tf.expandDims(hs[0]!, 1) : tf.stack(hs, 1)) as tf.Tensor3D, state: st };
}

const fused = (cell: RnnCell) =>
  customOp((inputs, save) => {
    // inputs: xp, wh, h0, then c0 (lstm) or bh (gru)
    const [xp, wh, h0, extra] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const c0 = cell === 'lstm' ? extra : undefined;
    const bh = cell === 'gru' ? extra : undefined;
    const kernelInputs: Record<string, tf.Tensor> = { xp, wh, h0 };
    if (cell === 'lstm') kernelInputs.c0 = c0!;
    if (cell === 'gru') kernelInputs.bh = bh!;
    const [hs, acts, cs] = tf.engine().runKernel('ArsRnnForward', kernelInputs, { cell }) as tf.Tensor[];
    save([wh, h0, c0 ?? h0, hs!, acts!, cs!]);
    return {
      value: hs!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [swh, sh0, sc0, shs, sacts, scs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const g = tf.engine().runKernel('ArsRnnBackward', { dhs: dy, wh: swh, h0: sh0, c0: sc0, hs: shs, acts: sacts, cs: scs }, { cell }) as tf.Tensor[];
        const [dxp, dwh, dh0] = g as [tf.Tensor, tf.Tensor, tf.Tensor];
        if (cell === 'lstm') return [dxp, dwh, dh0, g[3]!];
        if (cell === 'gru') return [dxp, dwh, dh0, g[3]!];
        return [dxp, dwh, dh0];
      },
    };
  });

const fusedOps = new Map<RnnCell, (...inputs: tf.Tensor[]) => tf.Tensor>();

/**
 * Every hidden state hs [B, T, H] of a recurrent layer over projected inputs xp = x·Wx + b
 * [B, T, G·H], from state (h0, and c0 for the LSTM). On wasm with the project's kernels the
 * whole sequence (and its gradient) is one kernel; elsewhere a loop of tfjs ops.
 */
export function rnnSequence(cell: RnnCell, xp: tf.Tensor3D, wh: tf.Tensor2D, bh: tf.Tensor1D | null, h0: tf.Tensor2D, c0: tf.Tensor2D | null): tf.Tensor3D {
  if (!projectKernelsActive('rnn') || xp.dtype !== 'float32') {
    return tf.tidy(() => rnnSequenceReference(cell, xp, wh, bh, c0 ? { h: h0, c: c0 } : { h: h0 }).hs);
  }
  let f = fusedOps.get(cell);
  if (!f) fusedOps.set(cell, (f = fused(cell)));
  const inputs: tf.Tensor[] = [xp, wh, h0];
  if (cell === 'lstm') inputs.push(c0!);
  if (cell === 'gru') inputs.push(bh!);
  return f(...inputs) as tf.Tensor3D;
}

import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';

export interface AdamSlot {
  p: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  g: tf.Tensor;
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1-based step count (bias correction). */
  step: number;
  /** Clip the gradients to this global L2 norm first; 0: no clipping. */
  clipNorm: number;
}

/** Whether `adamStepFused` can run (wasm backend with the project's kernels, float32 slots). */
export function fusedAdamAvailable(slots: readonly AdamSlot[]): boolean {
  return projectKernelsActive('adam') && slots.every((s) => s.p.dtype === 'float32' && s.g.dtype === 'float32');
}

/**
 * One Adam step for every slot in one kernel: the gradients' global norm, clipping to
 * `clipNorm`, the moment updates and the parameter update. Returns new tensors (the caller
 * assigns them) and the norm before clipping.
 */
export function adamStepFused(slots: readonly AdamSlot[], h: AdamHyper): { p: tf.Tensor[]; m: tf.Tensor[]; v: tf.Tensor[]; norm: tf.Scalar } {
  const inputs: Record<string, tf.Tensor> = {};
  slots.forEach((s, i) => {
    inputs[`p${i}`] = s.p;
    inputs[`m${i}`] = s.m;
    inputs[`v${i}`] = s.v;
    inputs[`g${i}`] = s.g;
  });
  const out = tf.engine().runKernel('ArsAdamStep', inputs, { count: slots.length, ...h }) as unknown as tf.Tensor[];
  const p: tf.Tensor[] = [];
  const m: tf.Tensor[] = [];
  const v: tf.Tensor[] = [];
  for (let i = 0; i < slots.length; i++) {
    p.push(out[3 * i]!);
    m.push(out[3 * i + 1]!);
    v.push(out[3 * i + 2]!);
  }
  return { p, m, v, norm: out[3 * slots.length] as tf.Scalar };
}

import * as tf from '@tensorflow/tfjs';
import { projectKernelsActive } from '../wasmKernelRegistry.ts';
import { customOp } from './customOp.ts';

export interface MaskedConvOptions {
  /** max(0, ·) after the bias. */
  relu: boolean;
  /** 'same' (default) or 'valid'. */
  pad?: 'same' | 'valid';
  /**
   * false for a layer whose input is data, not a function of weights (a network's first layer):
   * its input gradient is then not computed (zeros are returned). With one input channel that
   * gradient is a product one column wide, which costs as much as the layer's other two passes.
   */
  inputGrad?: boolean;
}

/** The masked convolution with plain tfjs ops: act(conv2d(x, w∘mask) + b), stride 1, NHWC. */
export function maskedConv2dReference(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, mask: tf.Tensor4D | null, options: MaskedConvOptions): tf.Tensor4D {
  return tf.tidy(() =>
    tf.fused.conv2d({ x, filter: mask ? (tf.mul(w, mask) as tf.Tensor4D) : w, strides: 1, pad: options.pad ?? 'same', bias: b, activation: options.relu ? 'relu' : 'linear' }),
  );
}

const maskValues = new WeakMap<tf.Tensor, number[]>();

function tapMask(mask: tf.Tensor4D): number[] {
  let m = maskValues.get(mask);
  if (!m) maskValues.set(mask, (m = Array.from(mask.dataSync())));
  return m;
}

/**
 * act(conv2d(x, w∘mask, stride 1) + b) for x [B, H, W, Cin], w [k, k, Cin, Cout], b [Cout] and a
 * {0, 1} mask [k, k, 1, 1] (null: none) — a PixelCNN layer. On wasm with the project's kernels
 * the convolution and its input gradient skip the taps the mask closes, and the filter gradient
 * is computed for the open taps only (the others are 0, as the product rule through w∘mask
 * gives); elsewhere tfjs ops. Same values and gradients either way.
 */
export function maskedConv2d(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, mask: tf.Tensor4D | null, options: MaskedConvOptions): tf.Tensor4D {
  if (!projectKernelsActive('conv') || x.dtype !== 'float32') return maskedConv2dReference(x, w, b, mask, options);
  const pad = options.pad ?? 'same';
  const activation = options.relu ? 'relu' : 'linear';
  const taps = mask ? tapMask(mask) : undefined;
  const op = customOp(([xi, wi, bi], save) => {
    const wm = mask ? tf.mul(wi!, mask) : wi!;
    const y = tf.engine().runKernel('FusedConv2D', { x: xi!, filter: wm, bias: bi! }, { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], activation }) as tf.Tensor;
    save([xi!, wm, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, swm, sy] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dpre = options.relu ? tf.mul(dy, tf.step(sy)) : dy;
        const dx =
          options.inputGrad === false
            ? tf.zerosLike(sx)
            : (tf.engine().runKernel('Conv2DBackpropInput', { dy: dpre, filter: swm }, { inputShape: sx.shape, strides: [1, 1], pad, dataFormat: 'NHWC' }) as tf.Tensor);
        const attrs: Record<string, unknown> = { filterShape: swm.shape, strides: [1, 1], pad, dataFormat: 'NHWC' };
        if (taps) attrs.arsTapMask = taps;
        let dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: sx, dy: dpre }, attrs as tf.NamedAttrMap) as tf.Tensor;
        // (a kernel that ignores arsTapMask returns every tap: the mask makes it exact either way)
        if (mask) dw = tf.mul(dw, mask);
        const db = tf.sum(dpre, [0, 1, 2]);
        return [dx, dw, db];
      },
    };
  });
  return op(x, w, b) as tf.Tensor4D;
}

import * as tf from '@tensorflow/tfjs';
import { adamStepFused, fusedAdamAvailable, type AdamSlot } from '../tensor/ops/adam.ts';
import { clipByGlobalNorm } from './clipping.ts';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

const DEFAULTS: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Adam with bias correction, over named variables. Its state (moments and step count) can be
 * exported and restored, so a resumed run continues exactly where it stopped.
 */
export class AdamOptimizer {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    private readonly settings: AdamSettings = DEFAULTS,
  ) {
    // tidy: a variable shares its initial tensor's data, and that tensor must still be released.
    tf.tidy(() => {
      for (const [name, p] of params) {
        this.m.set(name, tf.variable(tf.zerosLike(p), false));
        this.v.set(name, tf.variable(tf.zerosLike(p), false));
      }
    });
  }

  get stepCount(): number {
    return this.t;
  }

  /** One update with learning rate `lr`; `grads` are keyed like the parameters. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    this.t++;
    const { beta1, beta2, epsilon } = this.settings;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        const p = this.params.get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        const update = tf.div(tf.mul(m1, lr / c1), tf.add(tf.sqrt(tf.div(v1, c2)), epsilon));
        p.assign(tf.sub(p, update));
      }
    });
  }

  /**
   * Clips `grads` to a global L2 norm of `clipNorm` (0: no clipping), then one update with
   * learning rate `lr`. On wasm with the project's kernels this is one fused kernel; elsewhere
   * clipByGlobalNorm then apply. Returns the norm before clipping (the caller disposes it).
   */
  step(grads: Readonly<Record<string, tf.Tensor>>, lr: number, clipNorm: number): tf.Scalar {
    const names = Object.keys(grads);
    const slots: AdamSlot[] = names.map((name) => ({ p: this.params.get(name)!, m: this.m.get(name)!, v: this.v.get(name)!, g: grads[name]! }));
    if (!fusedAdamAvailable(slots)) {
      if (clipNorm <= 0) {
        this.apply(grads, lr);
        return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
      }
      const clipped = clipByGlobalNorm(grads, clipNorm);
      this.apply(clipped.grads, lr);
      tf.dispose(Object.values(clipped.grads));
      return clipped.norm;
    }
    this.t++;
    const out = adamStepFused(slots, { ...this.settings, lr, step: this.t, clipNorm });
    names.forEach((name, i) => {
      this.params.get(name)!.assign(out.p[i]!);
      this.m.get(name)!.assign(out.m[i]!);
      this.v.get(name)!.assign(out.v[i]!);
    });
    tf.dispose([...out.p, ...out.m, ...out.v]);
    return out.norm;
  }

  /** State for a checkpoint: 'adam/m/NAME', 'adam/v/NAME' tensors, and the step count. */
  exportState(): { tensors: Record<string, tf.Tensor>; step: number } {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, m] of this.m) tensors[`adam/m/${name}`] = m;
    for (const [name, v] of this.v) tensors[`adam/v/${name}`] = v;
    return { tensors, step: this.t };
  }

  /** Restores what exportState produced; missing or mis-shaped entries throw. */
  importState(tensors: Readonly<Record<string, tf.Tensor>>, step: number): void {
    for (const [kind, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of map) {
        const t = tensors[`adam/${kind}/${name}`];
        if (!t) throw new Error(`optimizer state adam/${kind}/${name} is missing`);
        if (!tf.util.arraysEqual(t.shape, variable.shape)) throw new Error(`optimizer state adam/${kind}/${name} has shape [${t.shape}], expected [${variable.shape}]`);
        variable.assign(t);
      }
    }
    this.t = step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}

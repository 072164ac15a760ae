/**
 * Per-kernel time profile of the `wasm` backend (issue 15, `ars bench --profile`): wraps every
 * kernel registered for the backend with a timer and adds up, per kernel name, the calls, the
 * time spent inside it (exclusive of kernels it runs through the engine), the bytes of its
 * inputs and outputs, the FLOPs of the products it computes (GEMMs, convolutions, attention:
 * dense counts, masked taps included), and the time and bytes of the copies between tfjs's heap
 * and the kernels' shared memory (core/tensor/kernels/heap.ts reports them here).
 *
 * Off by default and then free: the wrappers are installed only by `startKernelProfile()`.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { sizeOf } from './shapes.ts';

export interface KernelStat {
  name: string;
  calls: number;
  /** Time inside the kernel, not counting kernels it called through the engine. */
  ms: number;
  /**
   * CPU time of the process (every thread) meanwhile, same exclusion: on a loaded machine it
   * counts the work, where `ms` also counts the time other processes held the cores.
   */
  cpuMs: number;
  /** Bytes of its inputs plus its outputs (what it must read and write at least). */
  bytes: number;
  /** Floating-point operations of its products (0 where not counted: element-wise kernels). */
  flops: number;
  /** Of `ms`: copies into and out of the kernels' shared memory. */
  copyMs: number;
  copyBytes: number;
}

interface Frame {
  stat: KernelStat;
  started: number;
  cpuStarted: number;
  /** Time of kernels called from inside this one. */
  childMs: number;
  childCpuMs: number;
}

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

let installedFor: string | null = null;
let active = false;
const stats = new Map<string, KernelStat>();
const stack: Frame[] = [];

function stat(name: string): KernelStat {
  let s = stats.get(name);
  if (!s) stats.set(name, (s = { name, calls: 0, ms: 0, cpuMs: 0, bytes: 0, flops: 0, copyMs: 0, copyBytes: 0 }));
  return s;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function tensorBytes(t: TensorInfo | undefined | null): number {
  return t ? sizeOf(t.shape) * (BYTES[t.dtype] ?? 4) : 0;
}

function lastTwo(shape: readonly number[]): [number, number, number] {
  const r = shape.length;
  return [sizeOf(shape.slice(0, r - 2)), shape[r - 2]!, shape[r - 1]!];
}

/** FLOPs of one call: 2·multiply-adds of the products it computes; 0 for other kernels. */
export function kernelFlops(name: string, inputs: Record<string, TensorInfo | undefined>, attrs: NamedAttrMap, outputs: readonly TensorInfo[]): number {
  switch (name) {
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = inputs.a;
      const b = inputs.b;
      if (!a || !b) return 0;
      const [ba, ar, ac] = lastTwo(a.shape);
      const [bb, br, bc] = lastTwo(b.shape);
      const m = attrs.transposeA ? ac : ar;
      const k = attrs.transposeA ? ar : ac;
      const n = attrs.transposeB ? br : bc;
      return 2 * Math.max(ba, bb) * m * n * k;
    }
    case 'Conv2D':
    case 'FusedConv2D': {
      const f = inputs.filter;
      const y = outputs[0];
      if (!f || !y) return 0;
      const [fh, fw, ci] = f.shape as number[];
      return 2 * sizeOf(y.shape) * fh! * fw! * ci!;
    }
    case 'Conv2DBackpropInput': {
      const f = inputs.filter;
      const dy = inputs.dy;
      if (!f || !dy) return 0;
      const [fh, fw, ci] = f.shape as number[];
      return 2 * sizeOf(dy.shape) * fh! * fw! * ci!;
    }
    case 'Conv2DBackpropFilter': {
      const dy = inputs.dy;
      const fs = attrs.filterShape as number[] | undefined;
      if (!dy || !fs) return 0;
      return 2 * sizeOf(dy.shape) * fs[0]! * fs[1]! * fs[2]!;
    }
    case 'ArsAttention':
    case 'ArsAttentionGrad': {
      const qkv = inputs.qkv;
      if (!qkv) return 0;
      const [B, T, threeD] = qkv.shape as number[];
      // QKᵀ and PV forward; four products of the same size backward.
      return (name === 'ArsAttention' ? 4 : 8) * B! * T! * T! * (threeD! / 3);
    }
    default:
      return 0;
  }
}

function wrap(name: string, kernelFunc: KernelFunc): KernelFunc {
  return ((args: { inputs: Record<string, TensorInfo | undefined>; attrs: NamedAttrMap }) => {
    if (!active) return kernelFunc(args as never);
    const s = stat(name);
    const frame: Frame = { stat: s, started: performance.now(), cpuStarted: cpuNow(), childMs: 0, childCpuMs: 0 };
    stack.push(frame);
    let result: TensorInfo | TensorInfo[] | undefined;
    try {
      result = kernelFunc(args as never);
      return result;
    } finally {
      stack.pop();
      const total = performance.now() - frame.started;
      const cpu = cpuNow() - frame.cpuStarted;
      s.calls++;
      s.ms += total - frame.childMs;
      s.cpuMs += cpu - frame.childCpuMs;
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.childMs += total;
        parent.childCpuMs += cpu;
      }
      const outputs = result === undefined ? [] : Array.isArray(result) ? result : [result];
      s.bytes += Object.values(args.inputs).reduce((n, t) => n + tensorBytes(t), 0) + outputs.reduce((n, t) => n + tensorBytes(t), 0);
      s.flops += kernelFlops(name, args.inputs, args.attrs ?? {}, outputs);
    }
  }) as unknown as KernelFunc;
}

/**
 * Wraps every kernel registered now for `backend` (default: the active one) and starts counting
 * (from zero). Register every kernel first (the backend's set-up does).
 */
export function startKernelProfile(backend: string = tf.getBackend()): void {
  if (installedFor !== backend) {
    for (const config of tf.getKernelsForBackend(backend)) {
      tf.unregisterKernel(config.kernelName, backend);
      tf.registerKernel({ ...config, kernelFunc: wrap(config.kernelName, config.kernelFunc) });
    }
    installedFor = backend;
  }
  resetKernelProfile();
  active = true;
}

/** Stops counting (the wrappers stay, and pass calls straight through). */
export function stopKernelProfile(): void {
  active = false;
}

/** Forgets what was counted so far (e.g. the warm-up steps). */
export function resetKernelProfile(): void {
  stats.clear();
  stack.length = 0;
}

export function kernelProfiling(): boolean {
  return active;
}

/** A copy between tfjs's heap and the kernels' memory, charged to the kernel that made it. */
export function recordCopy(ms: number, bytes: number): void {
  const top = stack[stack.length - 1];
  if (!top) return;
  top.stat.copyMs += ms;
  top.stat.copyBytes += bytes;
}

/** What was counted, most time first. */
export function kernelProfile(): KernelStat[] {
  return [...stats.values()].map((s) => ({ ...s })).sort((a, b) => b.ms - a.ms);
}

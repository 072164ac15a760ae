/**
 * `ars bench --profile`: where a training step's time goes, per kernel (issue 15). Turns the
 * kernel profile of a job's timed steps into per-step shares and a roofline line per kernel:
 * FLOPs and bytes per step, the GFLOP/s and GB/s it reached while it ran.
 */
import type { KernelStat } from '../../tensor/kernelProfile.ts';

export interface ProfileRow {
  kernel: string;
  callsPerStep: number;
  msPerStep: number;
  /** Of the step's wall time. */
  share: number;
  /** CPU time (all threads) while it ran, per step, and its share of the step's CPU time in kernels plus outside. */
  cpuMsPerStep: number;
  /** Of msPerStep: copies between tfjs's heap and the kernels' memory. */
  copyMsPerStep: number;
  gflopPerStep: number;
  mbPerStep: number;
  /** Achieved while the kernel ran (null where FLOPs are not counted). */
  gflops: number | null;
  /** FLOPs per CPU-second (all threads): the rate a core reaches on its work, load or not. */
  cpuGflops: number | null;
  gbps: number;
}

export interface JobProfile {
  job: string;
  steps: number;
  stepMs: number;
  rows: ProfileRow[];
  /** Step time outside every kernel: tfjs's JavaScript (autodiff, tensor bookkeeping), the loop. */
  outsideMs: number;
}

/** Per-step rows from `stats` gathered over `steps` steps that took `totalMs` in all. */
export function jobProfile(job: string, stats: readonly KernelStat[], steps: number, totalMs: number): JobProfile {
  const stepMs = totalMs / steps;
  const rows = stats
    .filter((s) => s.calls > 0)
    .map((s) => ({
      kernel: s.name,
      callsPerStep: s.calls / steps,
      msPerStep: s.ms / steps,
      share: s.ms / totalMs,
      cpuMsPerStep: s.cpuMs / steps,
      copyMsPerStep: s.copyMs / steps,
      gflopPerStep: s.flops / steps / 1e9,
      mbPerStep: s.bytes / steps / 1e6,
      gflops: s.flops > 0 && s.ms > 0 ? s.flops / (s.ms * 1e6) : null,
      cpuGflops: s.flops > 0 && s.cpuMs > 0 ? s.flops / (s.cpuMs * 1e6) : null,
      gbps: s.ms > 0 ? s.bytes / (s.ms * 1e6) : 0,
    }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  const inKernels = rows.reduce((n, r) => n + r.msPerStep, 0);
  return { job, steps, stepMs, rows, outsideMs: Math.max(0, stepMs - inKernels) };
}

const f = (v: number, d = 1) => v.toFixed(d);

/** A plain-text table: kernels with at least `minShare` of the step, the rest summed. */
export function formatProfile(p: JobProfile, minShare = 0.005): string {
  const cpuTotal = p.rows.reduce((n, r) => n + r.cpuMsPerStep, 0);
  const head = `${'kernel'.padEnd(24)}${'calls'.padStart(7)}${'ms/step'.padStart(9)}${'share'.padStart(8)}${'cpu ms'.padStart(8)}${'cpu %'.padStart(7)}${'copies'.padStart(8)}${'GFLOP'.padStart(8)}${'MB'.padStart(8)}${'GFLOP/s'.padStart(9)}${'/cpu-s'.padStart(8)}${'GB/s'.padStart(7)}`;
  const lines = [`${p.job}: ${f(p.stepMs)} ms/step over ${p.steps} steps`, head];
  const shown = p.rows.filter((r) => r.share >= minShare);
  const rest = p.rows.filter((r) => r.share < minShare);
  for (const r of shown) {
    lines.push(
      `${r.kernel.padEnd(24)}${f(r.callsPerStep, 0).padStart(7)}${f(r.msPerStep, 2).padStart(9)}${`${f(r.share * 100)}%`.padStart(8)}${f(r.cpuMsPerStep, 2).padStart(8)}${`${f(cpuTotal > 0 ? (r.cpuMsPerStep / cpuTotal) * 100 : 0)}%`.padStart(7)}${f(r.copyMsPerStep, 2).padStart(8)}${(r.gflopPerStep > 0 ? f(r.gflopPerStep, 3) : '').padStart(8)}${f(r.mbPerStep).padStart(8)}${(r.gflops === null ? '' : f(r.gflops)).padStart(9)}${(r.cpuGflops === null ? '' : f(r.cpuGflops)).padStart(8)}${f(r.gbps).padStart(7)}`,
    );
  }
  if (rest.length > 0) {
    const ms = rest.reduce((n, r) => n + r.msPerStep, 0);
    lines.push(`${`(${rest.length} others)`.padEnd(24)}${f(rest.reduce((n, r) => n + r.callsPerStep, 0), 0).padStart(7)}${f(ms, 2).padStart(9)}${`${f((ms / p.stepMs) * 100)}%`.padStart(8)}`);
  }
  lines.push(`${'(outside kernels)'.padEnd(24)}${''.padStart(7)}${f(p.outsideMs, 2).padStart(9)}${`${f((p.outsideMs / p.stepMs) * 100)}%`.padStart(8)}`);
  const copies = p.rows.reduce((n, r) => n + r.copyMsPerStep, 0);
  lines.push('(cpu %: of the CPU time in kernels; GFLOP/s: while the kernel ran, wall clock; /cpu-s: per CPU-second of all threads)');
  lines.push(`copies into/out of kernel memory: ${f(copies, 2)} ms/step (${f((copies / p.stepMs) * 100)}%)`);
  return lines.join('\n');
}

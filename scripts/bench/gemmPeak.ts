/**
 * The GEMM ceiling of this CPU for the project's WebAssembly kernels (issue 15's roofline): the
 * best GFLOP/s of the project's GEMM on square and training-shaped products, on one thread and
 * on every compute thread, beside the 128-bit SIMD peak the clock allows (4 lanes × 2 FMA units ×
 * 2 FLOPs a cycle a core). Run: `npx tsx scripts/bench/gemmPeak.ts` (ARS_THREADS picks threads).
 * Prints JSON with --json. On a shared machine wall time counts the time other processes held the
 * core; the one-thread rows also give GFLOP/s per CPU-second (process.cpuUsage), which does not.
 * A KVM guest's /proc/cpuinfo gives the nominal clock; ARS_CPU_GHZ sets the one to use.
 */
import fs from 'node:fs';
import os from 'node:os';
import { gemm } from '../../core/tensor/wasm/gemm.ts';
import { kernelRuntime } from '../../core/tensor/wasm/runtime.ts';

const SHAPES: [m: number, k: number, n: number, label: string][] = [
  [512, 512, 512, 'square 512'],
  [2048, 128, 512, 'transformer FFN up (2048×128·128×512)'],
  [2048, 512, 128, 'transformer FFN down'],
  [2048, 128, 384, 'transformer q|k|v'],
  [25088, 320, 64, 'pixelcnn 3×3 B layer as im2col·W (5 open taps × 64)'],
];
const REPEATS = 7;

function clockGHz(): number | null {
  try {
    const mhz = [...fs.readFileSync('/proc/cpuinfo', 'utf8').matchAll(/cpu MHz\s*:\s*([\d.]+)/g)].map((m) => Number(m[1]));
    return mhz.length > 0 ? Math.max(...mhz) / 1000 : null;
  } catch {
    return null;
  }
}

function main(): void {
  const rt = kernelRuntime();
  if (rt == null) throw new Error('the project wasm kernels are not available (npm run build:wasm)');
  const rows: { shape: string; threads: number; bestGflops: number; medianGflops: number; cpuGflops: number | null }[] = [];
  for (const [m, k, n, label] of SHAPES) {
    rt.k.scoped(() => {
      const A = rt.k.allocF32(m * k);
      const B = rt.k.allocF32(k * n);
      const C = rt.k.allocF32(m * n);
      const f = rt.k.f32;
      for (let i = 0; i < m * k; i++) f[(A >> 2) + i] = Math.sin(i);
      for (let i = 0; i < k * n; i++) f[(B >> 2) + i] = Math.cos(i);
      for (const threads of [...new Set([1, rt.threads])]) {
        const times: number[] = [];
        const cpu: number[] = [];
        for (let r = 0; r < REPEATS + 1; r++) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          gemm(rt, { A, ars: k, aks: 1, B, brs: n, bcs: 1, C, ldc: n, m, n, k }, threads);
          const dt = performance.now() - t0;
          const c = process.cpuUsage(c0);
          if (r > 0) {
            times.push(dt);
            cpu.push((c.user + c.system) / 1000);
          }
        }
        times.sort((a, b) => a - b);
        cpu.sort((a, b) => a - b);
        const flops = 2 * m * n * k;
        const cpuMs = cpu[cpu.length >> 1]!;
        rows.push({
          shape: label,
          threads,
          bestGflops: flops / (times[0]! * 1e6),
          medianGflops: flops / (times[times.length >> 1]! * 1e6),
          cpuGflops: threads === 1 && cpuMs > 0 ? flops / (cpuMs * 1e6) : null,
        });
      }
    });
  }
  const ghz = process.env.ARS_CPU_GHZ ? Number(process.env.ARS_CPU_GHZ) : clockGHz();
  const peakPerCore = ghz === null ? null : ghz * 4 * 2 * 2;
  const report = { cpu: os.cpus()[0]?.model ?? '?', variant: rt.k.variant, threads: rt.threads, clockGHz: ghz, simd128PeakGflopsPerCore: peakPerCore, loadavg: os.loadavg(), rows };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${report.cpu}, ${report.variant} SIMD, clock ${ghz?.toFixed(2) ?? '?'} GHz: 128-bit FMA peak ${peakPerCore?.toFixed(1) ?? '?'} GFLOP/s a core; load ${os.loadavg()[0]!.toFixed(1)}\n`);
    for (const r of rows) process.stdout.write(`${r.shape.padEnd(56)} ${r.threads} thread(s)  best ${r.bestGflops.toFixed(1).padStart(6)}  median ${r.medianGflops.toFixed(1).padStart(6)}${r.cpuGflops === null ? '' : `  per CPU-second ${r.cpuGflops.toFixed(1).padStart(6)}`} GFLOP/s\n`);
  }
  process.exit(0);
}

main();

/** Runs one bench job in this process: backend set-up, the job, its peak memory. */
import type { BackendInfo } from '../../tensor/backend.ts';
import type { KernelStat } from '../../tensor/kernelProfile.ts';
import { JOB_NAMES, type JobName } from './figures.ts';
import type { JobResult } from './jobs.ts';
import { RssSampler } from './measure.ts';

export type JobOutcome =
  | { ok: true; job: string; results: JobResult; baseline?: JobResult; profile?: KernelStat[]; peakRssBytes: number; backend: BackendInfo; seconds: number }
  | { ok: false; job: string; error: string };

/**
 * What `compare` switches off for the "before" measurement: every project kernel ('all': the
 * stock tfjs path with the kernel fixes), or the named ones (KERNEL_NAMES in wasm/runtime.ts).
 */
export type CompareWith = false | 'all' | readonly string[];

/**
 * Runs `job`; with `compare`, first with those kernels switched off, then with all on, in the same
 * process; with `profile`, the second run counts time per kernel (core/tensor/kernelProfile.ts).
 */
export async function runJob(job: string, prefer: string | undefined, compare: CompareWith = false, profile = false): Promise<JobOutcome> {
  if (!(JOB_NAMES as readonly string[]).includes(job)) throw new Error(`unknown bench job '${job}'`);
  const started = performance.now();
  const sampler = new RssSampler();
  try {
    const { initBackend } = await import('../../tensor/backend.ts');
    const backend = await initBackend(prefer === undefined ? {} : { prefer });
    const { JOBS } = await import('./jobs.ts');
    let baseline: JobResult | undefined;
    if (compare) {
      const { setKernelsEnabled, setDisabledKernels, disabledKernels } = await import('../../tensor/projectKernels.ts');
      const before = disabledKernels();
      if (compare === 'all') setKernelsEnabled(false);
      else setDisabledKernels([...before, ...compare]);
      try {
        baseline = await JOBS[job as JobName]();
      } finally {
        setKernelsEnabled(true);
        setDisabledKernels(before);
      }
    }
    const profiler = profile ? await import('../../tensor/kernelProfile.ts') : null;
    profiler?.startKernelProfile();
    const results = await JOBS[job as JobName]();
    profiler?.stopKernelProfile();
    const kernels = profiler?.kernelProfile();
    return { ok: true, job, results, ...(baseline ? { baseline } : {}), ...(kernels ? { profile: kernels } : {}), peakRssBytes: sampler.stop(), backend, seconds: (performance.now() - started) / 1000 };
  } finally {
    sampler.stop();
  }
}

/** Runs one bench job in this process: backend set-up, the job, its peak memory. */
import type { BackendInfo } from '../../tensor/backend.ts';
import { JOB_NAMES, type JobName } from './figures.ts';
import type { JobResult } from './jobs.ts';
import { RssSampler } from './measure.ts';

export type JobOutcome =
  | { ok: true; job: string; results: JobResult; peakRssBytes: number; backend: BackendInfo; seconds: number }
  | { ok: false; job: string; error: string };

export async function runJob(job: string, prefer: string | undefined): Promise<JobOutcome> {
  if (!(JOB_NAMES as readonly string[]).includes(job)) throw new Error(`unknown bench job '${job}'`);
  const started = performance.now();
  const sampler = new RssSampler();
  try {
    const { initBackend } = await import('../../tensor/backend.ts');
    const backend = await initBackend(prefer === undefined ? {} : { prefer });
    const { JOBS } = await import('./jobs.ts');
    const results = await JOBS[job as JobName]();
    return { ok: true, job, results, peakRssBytes: sampler.stop(), backend, seconds: (performance.now() - started) / 1000 };
  } finally {
    sampler.stop();
  }
}

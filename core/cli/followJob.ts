import { WorkerError, type WorkerClient } from '../protocol/client.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { EXIT_INTERRUPTED, EXIT_OK } from './exitStatus.ts';
import { oneLine, type CliIo } from './io.ts';

/** How a followed job ended. */
export interface JobOutcome {
  reason: 'completed' | 'cancelled';
  summary: Record<string, unknown>;
  /** Whether Ctrl-C cancelled it. */
  interrupted: boolean;
}

/**
 * Follows a job until it is done. The first Ctrl-C asks the worker to cancel it (also before the
 * job id is known); the job then ends with `done: cancelled`.
 */
export async function followJob(client: WorkerClient, start: () => Promise<{ jobId: string }>, io: CliIo, onEvent: (e: JobEvent) => void): Promise<JobOutcome> {
  let jobId: string | null = null;
  let interrupted = false;
  const cancel = () => {
    if (jobId) client.request('job.cancel', { jobId }).catch(() => undefined);
  };
  const off = io.onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    io.stderr.write('\ncancelling… (Ctrl-C again to quit at once)\n');
    cancel();
  });
  try {
    jobId = (await start()).jobId;
    if (interrupted) cancel();
    for await (const e of client.events(jobId)) {
      if (e.kind === 'error') throw new WorkerError(e.code, e.message);
      if (e.kind === 'notice') io.stderr.write(`note: ${oneLine(e.message)}\n`);
      onEvent(e);
      if (e.kind === 'done') return { reason: e.reason, summary: e.summary, interrupted };
    }
    throw new WorkerError('INTERNAL_ERROR', 'the job ended without reporting that it was done');
  } finally {
    off();
  }
}

/** 130 when Ctrl-C cancelled the job, else 0. */
export function jobExitStatus(outcome: JobOutcome): number {
  return outcome.reason === 'cancelled' && outcome.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}

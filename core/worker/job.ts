import { NotPausableError, errorInfo } from '../errors.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { isFatalBackendError, reportFatalBackendError } from './fatalErrors.ts';

interface JobBase {
  readonly kind: 'train' | 'sample' | 'race' | 'limits';
  readonly runId: string;
  /** The job's events, ending with exactly one `done` or `error` event. Iterate once. */
  events(): AsyncIterable<JobEvent>;
  cancel(): void;
}

/** A job that can pause between its steps (training). */
export interface PausableJob extends JobBase {
  readonly pausable: true;
  pause(): void;
  resume(): void;
}

/** A job that runs to its end unless it is cancelled (sampling, races): it has no pause. */
export interface UnpausableJob extends JobBase {
  readonly pausable: false;
}

/** A long-running piece of work (training or sampling). Every job can be cancelled; `pausable` says whether it can pause. */
export type Job = PausableJob | UnpausableJob;

const WHAT: Record<Job['kind'], string> = { train: 'training', sample: 'sampling', race: 'a race', limits: 'a Limits lab experiment' };

/** The job, as one that can pause; NotPausableError ("this job cannot be paused") where it cannot. */
export function pausableJob(job: Job): PausableJob {
  if (!job.pausable) throw new NotPausableError(`this job cannot be paused: ${WHAT[job.kind]} runs to its end unless it is cancelled`);
  return job;
}

/**
 * A job that streams `body`'s events after the notices and can be cancelled (not paused); a
 * thrown error becomes an `error` event; `dispose` runs once the stream ends, however it ends.
 */
export function cancellableJob(
  kind: Job['kind'],
  runId: string,
  notices: readonly string[],
  dispose: () => void,
  body: (signal: AbortSignal) => AsyncGenerator<JobEvent>,
): UnpausableJob {
  const abort = new AbortController();
  return {
    kind,
    runId,
    pausable: false,
    cancel: () => abort.abort(),
    async *events(): AsyncGenerator<JobEvent> {
      try {
        for (const message of notices) yield { kind: 'notice', message };
        yield* body(abort.signal);
      } catch (err) {
        if (isFatalBackendError(err)) reportFatalBackendError(err);
        yield { kind: 'error', ...errorInfo(err) };
      } finally {
        dispose();
      }
    },
  };
}

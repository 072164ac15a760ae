import { WorkerError } from '../../../../core/protocol/client.ts';
import type { JobEvent } from '../../../../core/protocol/messages.ts';
import { notices } from './notices.svelte.ts';
import { worker } from './worker.svelte.ts';

/** The ending events of a job, and the notices it sends on the way. */
export type DoneEvent = Extract<JobEvent, { kind: 'done' }>;
export type ErrorEvent = Extract<JobEvent, { kind: 'error' }>;

/** What a screen does with the job it follows (see JobFollower.follow). */
export interface JobHandlers {
  /** Every event but notice, done and error. */
  event(e: JobEvent): void;
  /** The job ended, completed or cancelled. */
  done(e: DoneEvent): void;
  /** The job failed; its error is already shown. */
  failed(e: ErrorEvent): void;
}

/** What a screen does with a job it starts (see JobFollower.start). */
export interface StartHandlers extends JobHandlers {
  /** The worker took the job: it is followed from now on. */
  started(): void;
  /** The job could not be started; the error is already shown. */
  notStarted(): void;
}

/** The line a screen shows for each way a job can end. */
export interface EndLines {
  completed: string;
  cancelled: string;
  failed: string;
}

/** The `done` and `failed` handlers of a job whose end shows one of `lines`, passed to `end`. */
export function endingWith(lines: EndLines, end: (line: string) => void): Pick<JobHandlers, 'done' | 'failed'> {
  return {
    done: (e) => end(e.reason === 'completed' ? lines.completed : lines.cancelled),
    failed: () => end(lines.failed),
  };
}

/**
 * One worker job followed from the screen: the job it is, its event subscription and the
 * connection it was started on. Not reactive: the state that owns it keeps its own phase.
 */
export class JobFollower {
  private jobId: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private generation = -1;

  /** The job being followed, or null. */
  get id(): string | null {
    return this.jobId;
  }

  /** Whether the followed job (if any) belongs to an earlier connection than the current one. */
  get stale(): boolean {
    return worker.generation !== this.generation;
  }

  /**
   * Follows the events of `jobId`, just started on the current connection. Notices are shown;
   * the job's end lets it go and calls `done`, or shows its error (titled `failureTitle`) and
   * calls `failed`; every other event goes to `event`.
   */
  follow(jobId: string, failureTitle: string, handlers: JobHandlers): void {
    this.jobId = jobId;
    this.generation = worker.generation;
    this.unsubscribe =
      worker.currentClient?.onJob(jobId, (e) => {
        switch (e.kind) {
          case 'notice':
            notices.info(e.message);
            return;
          case 'done':
            this.release();
            handlers.done(e);
            return;
          case 'error':
            this.release();
            notices.error(new WorkerError(e.code, e.message), failureTitle);
            handlers.failed(e);
            return;
          default:
            handlers.event(e);
        }
      }) ?? null;
  }

  /**
   * Starts a job with `request` and follows it (see follow; `titles.failure` titles its error).
   * `started` is called once the worker has taken it; if it cannot be started, `notStarted` is
   * called and the error is shown titled `titles.startFailure`.
   */
  async start(
    request: () => Promise<{ jobId: string }>,
    titles: { startFailure: string; failure: string },
    handlers: StartHandlers,
  ): Promise<void> {
    let jobId: string;
    try {
      ({ jobId } = await request());
    } catch (err) {
      handlers.notStarted();
      notices.error(err, titles.startFailure);
      return;
    }
    handlers.started();
    this.follow(jobId, titles.failure, handlers);
  }

  /** Stops following (the job ended or its connection is gone). */
  release(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.jobId = null;
  }

  /** Asks the worker to `action` the job ('job.cancel', 'job.pause', 'job.resume'); says `failure` if it cannot. */
  async control(action: 'job.cancel' | 'job.pause' | 'job.resume', failure: string): Promise<boolean> {
    if (!this.jobId) return false;
    try {
      await worker.request(action, { jobId: this.jobId });
      return true;
    } catch (err) {
      notices.error(err, failure);
      return false;
    }
  }
}

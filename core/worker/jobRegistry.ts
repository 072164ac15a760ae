import { errorInfo } from '../errors.ts';
import type { JobEvent, JobSummary, ProgressEvent } from '../protocol/messages.ts';
import type { Job } from './job.ts';

/** Who is listening to a job: a client's callback for each event. */
export type JobListener = (event: JobEvent) => void;

/** A client of the worker, as the registry knows it: any unique object. */
export type ClientKey = object;

interface Entry {
  readonly id: string;
  readonly job: Job;
  /** The client that started it: sampling and races end with it. */
  readonly owner: ClientKey;
  readonly listeners: Map<ClientKey, JobListener>;
  state: JobSummary['state'];
  progress?: ProgressEvent;
  /** Events are drawn (the job runs) once launched and, for a training, out of the queue. */
  launched: boolean;
  pumping: boolean;
}

export interface JobRegistryOptions {
  /** Trainings run at once; more wait in a queue, in order. */
  maxConcurrentTrainings: number;
}

/** Finished job ids remembered, so a late pause/cancel is a no-op, not an error. */
const FINISHED_MEMORY = 1000;

/**
 * The jobs of one worker, whoever started them. Jobs belong to the worker, not to a page: a
 * training goes on when the client that started it disconnects, and any client can list the
 * jobs and attach to one to receive its events. Sampling jobs and races are per page: they are
 * cancelled when the client that started them leaves. Trainings beyond maxConcurrentTrainings
 * wait in a queue (each told its place with a `queued` event) and can be cancelled there.
 */
export class JobRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly finished = new Set<string>();

  constructor(private readonly options: JobRegistryOptions) {}

  /** Registers a job `owner` started, as `id`; its events flow to `listener` once `launch` is called. */
  add(id: string, job: Job, owner: ClientKey, listener: JobListener): void {
    this.entries.set(id, { id, job, owner, listeners: new Map([[owner, listener]]), state: 'running', launched: false, pumping: false });
  }

  /** Starts drawing the job's events (the client has its id now), or queues a training. */
  launch(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (!entry || entry.launched) return;
    entry.launched = true;
    if (entry.job.kind === 'train' && this.runningTrainings() >= this.options.maxConcurrentTrainings) {
      entry.state = 'queued';
      this.queue.push(entry);
      this.tellPositions();
      return;
    }
    void this.pump(entry);
  }

  /** Whether the registry knows the job (running, queued, or finished recently). */
  known(jobId: string): boolean {
    return this.entries.has(jobId) || this.finished.has(jobId);
  }

  /** The job, while it runs or waits; undefined once it has ended. */
  job(jobId: string): Job | undefined {
    return this.entries.get(jobId)?.job;
  }

  /** Cancels a job; a queued training leaves the queue and ends at once (cancelled). */
  cancel(jobId: string): void {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    entry.job.cancel();
    const at = this.queue.indexOf(entry);
    if (at >= 0) {
      this.queue.splice(at, 1);
      this.tellPositions();
      void this.pump(entry); // its events end with 'done' (cancelled) and free what it holds
    }
  }

  list(): JobSummary[] {
    return [...this.entries.values()].filter((e) => e.launched).map((e) => this.summary(e));
  }

  /** Sends `jobId`'s further events to `client` too; null where the job is not running. */
  attach(jobId: string, client: ClientKey, listener: JobListener): JobSummary | null {
    const entry = this.entries.get(jobId);
    if (!entry || !entry.launched) return null;
    entry.listeners.set(client, listener);
    return this.summary(entry);
  }

  /** A client left: it hears no more events; the sampling jobs and races it started are cancelled. */
  clientGone(client: ClientKey): void {
    for (const entry of [...this.entries.values()]) {
      entry.listeners.delete(client);
      if (entry.owner === client && entry.job.kind !== 'train') {
        try {
          entry.job.cancel();
        } catch {
          // a job that fails to cancel must not keep the others running
        }
        if (!entry.launched) void this.pump(entry); // drain it: it releases what it holds as its events end
      }
    }
  }

  /** Whether `client` started the job or attached to it (only such a client may pause or cancel it). */
  follows(jobId: string, client: ClientKey): boolean {
    return this.entries.get(jobId)?.listeners.has(client) ?? false;
  }

  /** Removes one listener (a client that stopped following the job). */
  detach(jobId: string, client: ClientKey): void {
    this.entries.get(jobId)?.listeners.delete(client);
  }

  private summary(e: Entry): JobSummary {
    const position = e.state === 'queued' ? this.queue.indexOf(e) + 1 : undefined;
    return {
      jobId: e.id,
      kind: e.job.kind,
      runId: e.job.runId,
      pausable: e.job.pausable,
      state: e.state,
      ...(position ? { position } : {}),
      ...(e.progress ? { progress: e.progress } : {}),
    };
  }

  private runningTrainings(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.job.kind === 'train' && e.pumping) n++;
    return n;
  }

  private tellPositions(): void {
    this.queue.forEach((e, i) => this.emit(e, { kind: 'queued', position: i + 1 }));
  }

  private emit(entry: Entry, event: JobEvent): void {
    for (const listener of [...entry.listeners.values()]) {
      try {
        listener(event);
      } catch {
        // one client's failure is not the job's
      }
    }
  }

  private async pump(entry: Entry): Promise<void> {
    if (entry.pumping) return;
    entry.pumping = true;
    entry.launched = true;
    if (entry.state === 'queued') entry.state = 'running';
    let ended = false;
    try {
      for await (const event of entry.job.events()) {
        if (event.kind === 'progress') entry.progress = event;
        else if (event.kind === 'state') entry.state = event.state;
        this.emit(entry, event);
        if (event.kind === 'done' || event.kind === 'error') {
          ended = true;
          break;
        }
      }
    } catch (err) {
      this.emit(entry, { kind: 'error', ...errorInfo(err) });
      ended = true;
    }
    if (!ended) this.emit(entry, { kind: 'error', code: 'INTERNAL_ERROR', message: 'the job ended without reporting that it was done' });
    this.entries.delete(entry.id);
    this.finished.add(entry.id);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.values().next().value!);
    if (entry.job.kind === 'train') this.next();
  }

  /** A training ended: the first queued one starts. */
  private next(): void {
    while (this.queue.length > 0 && this.runningTrainings() < this.options.maxConcurrentTrainings) {
      const entry = this.queue.shift()!;
      this.tellPositions();
      this.emit(entry, { kind: 'state', state: 'running' });
      void this.pump(entry);
    }
  }
}

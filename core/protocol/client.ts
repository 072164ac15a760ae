import type { MessagePipe } from './transport.ts';
import {
  PROTOCOL_VERSION,
  ServerMessage,
  type ErrorInfo,
  type JobEvent,
  type MethodName,
  type ParamsOf,
  type ResultOf,
} from './messages.ts';

/** An error the worker replied with; `code` is the worker's error code (DATASET_ERROR, ...). */
export class WorkerError extends Error {
  override name = 'WorkerError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/**
 * The client side of the protocol, used by the renderer, the CLI and tests alike. It knows
 * nothing of the transport underneath.
 */
export class WorkerClient {
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly jobListeners = new Map<string, Set<(e: JobEvent) => void>>();
  /** Events for jobs nobody listens to yet (they may arrive before the start reply). */
  private readonly early = new Map<string, JobEvent[]>();
  private closed = false;

  constructor(private readonly pipe: MessagePipe) {
    pipe.onMessage((m) => this.receive(m));
    pipe.onClose(() => this.fail(new WorkerError('DISCONNECTED', 'the connection to the worker was lost')));
  }

  request<M extends MethodName>(method: M, params: ParamsOf<M>, transfer?: ArrayBuffer[]): Promise<ResultOf<M>> {
    if (this.closed) return Promise.reject(new WorkerError('DISCONNECTED', 'the connection to the worker is closed'));
    const id = String(this.nextId++);
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.pipe.send({ v: PROTOCOL_VERSION, type: 'request', id, method, params }, transfer);
    });
  }

  /** Listens to a job's events; returns a function that stops listening. */
  onJob(jobId: string, listener: (e: JobEvent) => void): () => void {
    let set = this.jobListeners.get(jobId);
    if (!set) this.jobListeners.set(jobId, (set = new Set()));
    set.add(listener);
    const queued = this.early.get(jobId);
    if (queued) {
      this.early.delete(jobId);
      for (const e of queued) listener(e);
    }
    return () => {
      set.delete(listener);
      if (set.size === 0) this.jobListeners.delete(jobId);
    };
  }

  /** All events of one job as an async iterable, ending after `done` or `error`. */
  async *events(jobId: string): AsyncGenerator<JobEvent> {
    const queue: JobEvent[] = [];
    let wake: (() => void) | null = null;
    const off = this.onJob(jobId, (e) => {
      queue.push(e);
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        const e = queue.shift()!;
        yield e;
        if (e.kind === 'done' || e.kind === 'error') return;
      }
    } finally {
      off();
    }
  }

  close(): void {
    this.pipe.close();
    this.fail(new WorkerError('DISCONNECTED', 'the connection to the worker is closed'));
  }

  private fail(err: WorkerError): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const [jobId, set] of this.jobListeners) {
      for (const l of set) l({ kind: 'error', code: err.code, message: err.message });
      this.jobListeners.delete(jobId);
    }
  }

  private receive(raw: unknown): void {
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) return; // a client ignores what it cannot read
    const m = parsed.data;
    if (m.type === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new WorkerError((m.error as ErrorInfo).code, m.error.message));
      return;
    }
    const set = this.jobListeners.get(m.jobId);
    if (set && set.size > 0) for (const l of [...set]) l(m.event);
    else {
      const q = this.early.get(m.jobId) ?? [];
      q.push(m.event);
      if (q.length <= 10_000) this.early.set(m.jobId, q);
    }
  }
}

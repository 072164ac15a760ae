import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { pipeListeners, type PipeListeners } from '../protocol/pipeListeners.ts';
import type { MessagePipe } from '../protocol/transport.ts';
import { isFromChild, type ToChild } from './childProtocol.ts';
import { FATAL_EXIT_CODE } from './fatalErrors.ts';

/** Something that hands out connections to a worker (see startWebServer's `worker` option). */
export interface WorkerConnector {
  /** A new connection to the worker; closing it cancels the jobs it started. */
  connect(): MessagePipe;
  /** Why no connection can be served now (the worker gave up), or null. */
  unavailable?(): string | null;
}

export interface WorkerSupervisorOptions {
  /** The data folder the worker keeps its runs in. */
  home: string;
  /** Backend override passed to the worker. */
  backend?: string;
  /** The worker's entry; default childEntry.ts (or .js) next to this file. */
  entry?: string;
  /** Lines for the server's log: the worker's own output and restarts. */
  log?: (line: string) => void;
  /** More crashes than this within a minute and the worker is not started again. Default 5. */
  maxCrashesPerMinute?: number;
  /** Environment of the worker; default this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Error code of the responses and job events that tell a client its worker died. */
export const WORKER_RESTARTED = 'WORKER_RESTARTED';
export const WORKER_FAILED = 'WORKER_FAILED';

interface Connection {
  readonly id: number;
  /** The client's receiver and close listeners; closed once the connection is. */
  readonly listeners: PipeListeners;
  /** Opened in the current child (else its messages wait in `queue` until the child is ready). */
  opened: boolean;
  readonly queue: unknown[];
  /** Requests sent and not yet answered, and jobs started and not yet ended: told of a crash. */
  readonly pending: Set<string>;
  readonly jobs: Set<string>;
}

/**
 * Runs the worker (the Studio) in a child process and keeps it running: `ars serve`'s web server
 * multiplexes its WebSocket clients onto the child's IPC channel (one connection id each), and
 * when the child dies — a crash, an out-of-memory kill, SIGKILL — the supervisor answers every
 * request and job it was handling with a WORKER_RESTARTED error, closes those connections (the
 * page reconnects) and starts a new child. The new worker finds the runs the old one was training
 * left 'training' by a dead process and reports them as interrupted; resuming one continues from
 * its last checkpoint.
 */
export class WorkerSupervisor implements WorkerConnector {
  private child: ChildProcess | null = null;
  private ready = false;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly connections = new Map<number, Connection>();
  private nextConnection = 1;
  private readonly crashes: number[] = [];
  private stopping = false;
  private failure: string | null = null;
  private childPid: number | undefined;
  /** How many times the worker was started again after dying. */
  restarts = 0;

  constructor(private readonly options: WorkerSupervisorOptions) {}

  /** The worker's process id (undefined while none runs). */
  get pid(): number | undefined {
    return this.childPid;
  }

  /** Starts the worker; resolves once it serves connections. */
  start(): Promise<void> {
    if (!this.child && !this.stopping) this.spawn();
    return this.whenReady();
  }

  /** Resolves when a worker is ready (at once if one is); rejects if it cannot be started. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(new Error(this.failure));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  unavailable(): string | null {
    return this.failure;
  }

  connect(): MessagePipe {
    const c: Connection = {
      id: this.nextConnection++,
      listeners: pipeListeners(),
      opened: false,
      queue: [],
      pending: new Set(),
      jobs: new Set(),
    };
    this.connections.set(c.id, c);
    if (this.failure !== null) queueMicrotask(() => this.fail(c, WORKER_FAILED, this.failure!));
    else if (this.ready) this.open(c);
    return {
      send: (m) => {
        if (c.listeners.closed) throw new Error('the connection to the worker is closed');
        const id = requestId(m);
        if (id !== null) c.pending.add(id);
        if (c.opened) this.toChild({ t: 'msg', conn: c.id, m });
        else c.queue.push(m);
      },
      onMessage: c.listeners.onMessage,
      onClose: c.listeners.onClose,
      close: () => {
        if (c.listeners.closed) return;
        if (c.opened) this.toChild({ t: 'close', conn: c.id });
        this.closeConnection(c);
      },
    };
  }

  /** Stops the worker and closes every connection. */
  async close(): Promise<void> {
    this.stopping = true;
    for (const c of [...this.connections.values()]) this.closeConnection(c);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private spawn(): void {
    const entry = this.options.entry ?? defaultEntry();
    const args = ['--home', this.options.home, ...(this.options.backend ? ['--backend', this.options.backend] : [])];
    const child = fork(entry, args, {
      serialization: 'advanced',
      execArgv: entry.endsWith('.ts') ? ['--import', tsxLoader()] : [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.options.env ?? process.env,
    });
    this.child = child;
    this.ready = false;
    this.childPid = child.pid;
    const log = this.options.log ?? (() => {});
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(`worker: ${line}`);
      });
    }
    let fatal: string | null = null;
    child.on('message', (raw: unknown) => {
      if (this.child !== child || !isFromChild(raw)) return;
      if (raw.t === 'ready') {
        this.ready = true;
        for (const c of this.connections.values()) this.open(c);
        for (const w of this.readyWaiters.splice(0)) w.resolve();
      } else if (raw.t === 'fatal') {
        fatal = raw.error.message;
      } else {
        const c = this.connections.get(raw.conn);
        if (c && c.opened && !c.listeners.closed) this.deliver(c, raw.m);
      }
    });
    child.on('error', (err) => log(`worker: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.ready = false;
      this.childPid = undefined;
      if (this.stopping) return;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (fatal !== null) return this.giveUp(`the worker could not start: ${fatal}`);
      const message =
        (code === FATAL_EXIT_CODE
          ? 'the compute backend failed (a WebAssembly abort) and the worker was restarted; '
          : `the worker stopped unexpectedly (${how}) and was restarted; `) +
        'runs it was training are marked interrupted: resume one to continue from its last checkpoint';
      for (const c of [...this.connections.values()]) this.fail(c, WORKER_RESTARTED, message);
      const now = Date.now();
      this.crashes.push(now);
      while (this.crashes.length > 0 && now - this.crashes[0]! > 60_000) this.crashes.shift();
      if (this.crashes.length > (this.options.maxCrashesPerMinute ?? 5)) {
        return this.giveUp(`the worker stopped ${this.crashes.length} times within a minute (last: ${how}); it is not started again — restart ars serve`);
      }
      log(`note: the worker stopped (${how}); starting it again`);
      this.restarts++;
      this.spawn();
    });
  }

  private giveUp(reason: string): void {
    this.failure = reason;
    this.options.log?.(`error: ${reason}`);
    for (const c of [...this.connections.values()]) this.fail(c, WORKER_FAILED, reason);
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error(reason));
  }

  private open(c: Connection): void {
    if (c.opened || c.listeners.closed) return;
    c.opened = true;
    this.toChild({ t: 'open', conn: c.id });
    for (const m of c.queue.splice(0)) this.toChild({ t: 'msg', conn: c.id, m });
  }

  private toChild(message: ToChild): void {
    const child = this.child;
    if (!child || !child.connected) return; // it died: the exit handler answers for it
    try {
      child.send(message);
    } catch {
      // the channel closed meanwhile: the same
    }
  }

  /** A worker message for a client; remembers what would need an answer if the worker died. */
  private deliver(c: Connection, m: unknown): void {
    if (typeof m === 'object' && m !== null) {
      const o = m as { type?: unknown; id?: unknown; ok?: unknown; result?: unknown; jobId?: unknown; event?: unknown };
      if (o.type === 'response' && typeof o.id === 'string') {
        c.pending.delete(o.id);
        const jobId = o.ok === true && typeof o.result === 'object' && o.result !== null ? (o.result as { jobId?: unknown }).jobId : undefined;
        if (typeof jobId === 'string') c.jobs.add(jobId);
      } else if (o.type === 'event' && typeof o.jobId === 'string') {
        const kind = typeof o.event === 'object' && o.event !== null ? (o.event as { kind?: unknown }).kind : undefined;
        if (kind === 'done' || kind === 'error') c.jobs.delete(o.jobId);
      }
    }
    c.listeners.deliver(m);
  }

  /** Tells a client its requests and jobs are lost, then closes its connection. */
  private fail(c: Connection, code: string, message: string): void {
    if (c.listeners.closed) return;
    for (const id of c.pending) c.listeners.deliver({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error: { code, message } });
    for (const jobId of c.jobs) c.listeners.deliver({ v: PROTOCOL_VERSION, type: 'event', jobId, event: { kind: 'error', code, message } });
    this.closeConnection(c);
  }

  private closeConnection(c: Connection): void {
    if (c.listeners.closed) return;
    c.pending.clear();
    c.jobs.clear();
    c.queue.length = 0;
    this.connections.delete(c.id);
    c.listeners.close();
  }
}

/** The id of a request-shaped message, else null. */
function requestId(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return null;
  const { type, id } = m as { type?: unknown; id?: unknown };
  return type === 'request' && typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : null;
}

/** childEntry next to this file: .ts when running from source (tsx, vitest), .js when built. */
function defaultEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, 'childEntry.js');
  return existsSync(js) ? js : join(here, 'childEntry.ts');
}

/** tsx's loader as a file URL, so a .ts entry runs under plain Node whatever the working folder. */
function tsxLoader(): string {
  const require = createRequire(import.meta.url);
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
}

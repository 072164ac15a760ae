/**
 * The worker's lifetime in the desktop app, without Electron itself (main.ts supplies it), so the
 * restart logic is tested where Electron's binary is missing (tests/electron/workerHost.test.ts).
 *
 * The worker (core/worker in a utility process) owns TensorFlow.js and the runs. If it dies it is
 * started again and every window gets a new port; the page tells the person, and the new worker
 * reports the runs the old one was training as interrupted (resume continues from their last
 * checkpoint). A worker that keeps dying (more than 3 exits in a minute) is not restarted again,
 * and one that says why it cannot start ('fatal') is not restarted at all: both are reported.
 * Ports are handed over once the worker says it is ready, so none is posted into the void.
 */

/** What the host needs of a utility process. */
export interface WorkerChild<Port> {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  postMessage(message: unknown, transfer?: Port[]): void;
  kill(): unknown;
}

/** How the host reaches processes, ports and pages (Electron's in main.ts, fakes in tests). */
export interface WorkerHostEnvironment<Port, Page> {
  /** Starts a worker; null when it cannot be started (the environment has said why). */
  fork(): WorkerChild<Port> | null;
  /** A connected port pair. */
  channel(): [Port, Port];
  /** Every open window's page. */
  pages(): Page[];
  /** The page is alive and shows the app's own origin: only such a page gets a port. */
  canConnect(page: Page): boolean;
  /** Hands the page its end of a channel. */
  sendPort(page: Page, port: Port): void;
  onDestroyed(page: Page, listener: () => void): void;
  showError(title: string, message: string): void;
  /** The app is quitting: a worker exit then is expected. */
  quitting(): boolean;
  now(): number;
}

const CRASH_WINDOW_MS = 60_000;
const MAX_CRASHES = 3;

export class WorkerHost<Port, Page> {
  private child: WorkerChild<Port> | null = null;
  private ready = false;
  private readonly waiting = new Set<Page>();
  private readonly crashes: number[] = [];

  constructor(private readonly env: WorkerHostEnvironment<Port, Page>) {}

  /** Whether a worker is running and has said it is ready. */
  get running(): boolean {
    return this.child !== null && this.ready;
  }

  start(): void {
    const child = this.env.fork();
    if (!child) return;
    this.child = child;
    this.ready = false;
    let fatal: { code: string; message: string } | null = null;
    // The worker says why it cannot start; starting it again would fail the same way.
    child.on('message', (m: unknown) => {
      if (isFatalMessage(m)) fatal = m.error;
      else if (isReadyMessage(m) && this.child === child) {
        this.ready = true;
        for (const page of [...this.waiting]) this.connect(page);
        this.waiting.clear();
      }
    });
    child.once('exit', (code) => {
      if (this.child === child) {
        this.child = null;
        this.ready = false;
      }
      if (this.env.quitting()) return;
      if (fatal) this.env.showError('The worker could not start', `${fatal.message} (${fatal.code})`);
      else this.crashed(code);
    });
  }

  /** Gives `page` its own port to the worker (once the worker is ready). */
  connect(page: Page): void {
    if (!this.env.canConnect(page)) return;
    if (!this.child || !this.ready) {
      if (!this.waiting.has(page)) {
        this.waiting.add(page);
        this.env.onDestroyed(page, () => this.waiting.delete(page));
      }
      return;
    }
    const port = this.openPort()!;
    this.env.sendPort(page, port);
  }

  /** A port of main's own to the worker (a short control request); null when it is not ready. */
  openPort(): Port | null {
    if (!this.child || !this.ready) return null;
    const [forWorker, forCaller] = this.env.channel();
    this.child.postMessage({ type: 'connect' }, [forWorker]);
    return forCaller;
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    this.ready = false;
    child?.kill();
  }

  private crashed(code: number): void {
    const now = this.env.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > CRASH_WINDOW_MS) this.crashes.shift();
    if (this.crashes.length > MAX_CRASHES) {
      this.env.showError(
        'The worker keeps stopping',
        `The worker exited ${this.crashes.length} times in a minute (last exit code ${code}); it was not restarted again. Restart the app to try once more.`,
      );
      return;
    }
    this.start();
    for (const page of this.env.pages()) this.connect(page);
  }
}

function isReadyMessage(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready';
}

function isFatalMessage(m: unknown): m is { type: 'fatal'; error: { code: string; message: string } } {
  if (typeof m !== 'object' || m === null) return false;
  const { type, error } = m as { type?: unknown; error?: unknown };
  if (type !== 'fatal' || typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

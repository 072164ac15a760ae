/**
 * The desktop app's worker lifetime (electron/workerHost.ts) with stand-ins for Electron's
 * utility processes, ports and windows: what happens when the worker dies is decided here, and
 * tested even where Electron's binary is missing (launch.test.ts runs the real thing where it is).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WorkerHost, type WorkerChild, type WorkerHostEnvironment } from '../../electron/workerHost.ts';

interface Port {
  id: number;
}

class FakeChild extends EventEmitter implements WorkerChild<Port> {
  readonly posted: { message: unknown; ports: Port[] }[] = [];
  killed = false;
  postMessage(message: unknown, transfer: Port[] = []): void {
    this.posted.push({ message, ports: transfer });
  }
  kill(): void {
    this.killed = true;
  }
  /** The worker says it is ready for ports. */
  ready(): void {
    this.emit('message', { type: 'ready' });
  }
  die(code = 9): void {
    this.emit('exit', code);
  }
}

class FakePage {
  readonly ports: Port[] = [];
  destroyed = false;
  private readonly onDestroy: (() => void)[] = [];
  constructor(public url = 'app://studio/index.html') {}
  destroy(): void {
    this.destroyed = true;
    for (const l of this.onDestroy.splice(0)) l();
  }
  listen(l: () => void): void {
    this.onDestroy.push(l);
  }
}

function setup(options: { forkFails?: boolean } = {}) {
  const children: FakeChild[] = [];
  const pages: FakePage[] = [];
  const errors: string[] = [];
  let nextPort = 1;
  let clock = 0;
  let quitting = false;
  const env: WorkerHostEnvironment<Port, FakePage> = {
    fork: () => {
      if (options.forkFails) {
        errors.push('cannot start');
        return null;
      }
      const c = new FakeChild();
      children.push(c);
      return c;
    },
    channel: () => [{ id: nextPort++ }, { id: nextPort++ }],
    pages: () => pages.filter((p) => !p.destroyed),
    canConnect: (p) => !p.destroyed && p.url.startsWith('app://studio/'),
    sendPort: (p, port) => p.ports.push(port),
    onDestroyed: (p, l) => p.listen(l),
    showError: (title, message) => errors.push(`${title}: ${message}`),
    quitting: () => quitting,
    now: () => clock,
  };
  const host = new WorkerHost(env);
  return {
    host,
    children,
    pages,
    errors,
    page(url?: string) {
      const p = new FakePage(url);
      pages.push(p);
      return p;
    },
    advance(ms: number) {
      clock += ms;
    },
    quit() {
      quitting = true;
    },
  };
}

/** The port pair behind a page's port: the worker got the other end of the same channel. */
function workerEndOf(child: FakeChild, pagePort: Port): Port | undefined {
  return child.posted.find((p) => (p.message as { type: string }).type === 'connect' && p.ports[0]!.id === pagePort.id - 1)?.ports[0];
}

describe('the desktop worker host', () => {
  it('hands a window its port only once the worker is ready, the other end to the worker', () => {
    const s = setup();
    s.host.start();
    const win = s.page();
    s.host.connect(win);
    expect(win.ports).toEqual([]); // not ready: nothing posted into the void
    expect(s.children[0]!.posted).toEqual([]);
    s.children[0]!.ready();
    expect(win.ports).toHaveLength(1);
    expect(workerEndOf(s.children[0]!, win.ports[0]!)).toBeDefined();
    // A reload gets a fresh port.
    s.host.connect(win);
    expect(win.ports).toHaveLength(2);
  });

  it('never gives a port to a page that is not the app', () => {
    const s = setup();
    s.host.start();
    s.children[0]!.ready();
    const foreign = s.page('https://example.com/');
    s.host.connect(foreign);
    expect(foreign.ports).toEqual([]);
    expect(s.host.openPort()).not.toBeNull();
  });

  it('a killed worker is started again and every window gets a port to the new one', () => {
    const s = setup();
    s.host.start();
    const [a, b] = [s.page(), s.page()];
    s.children[0]!.ready();
    s.host.connect(a);
    s.host.connect(b);
    s.children[0]!.die(9); // SIGKILL
    expect(s.children).toHaveLength(2);
    expect(s.host.running).toBe(false);
    expect(a.ports).toHaveLength(1); // waiting for the new worker to be ready
    s.children[1]!.ready();
    expect(s.host.running).toBe(true);
    expect(a.ports).toHaveLength(2);
    expect(b.ports).toHaveLength(2);
    expect(workerEndOf(s.children[1]!, a.ports[1]!)).toBeDefined();
    expect(s.errors).toEqual([]);
  });

  it('a window closed while waiting is forgotten', () => {
    const s = setup();
    s.host.start();
    const win = s.page();
    s.host.connect(win);
    win.destroy();
    s.children[0]!.ready();
    expect(win.ports).toEqual([]);
    expect(s.children[0]!.posted).toEqual([]);
  });

  it('stops restarting a worker that keeps dying, and says so', () => {
    const s = setup();
    s.host.start();
    for (let i = 0; i < 3; i++) {
      s.children.at(-1)!.die(1);
      s.advance(1000);
    }
    expect(s.children).toHaveLength(4);
    s.children.at(-1)!.die(1);
    expect(s.children).toHaveLength(4); // the fourth exit in a minute: not started again
    expect(s.errors).toEqual([expect.stringMatching(/^The worker keeps stopping: The worker exited 4 times in a minute \(last exit code 1\)/)]);
  });

  it('crashes spread out over time are each restarted', () => {
    const s = setup();
    s.host.start();
    for (let i = 0; i < 6; i++) {
      s.children.at(-1)!.die(1);
      s.advance(30_000);
    }
    expect(s.children).toHaveLength(7);
    expect(s.errors).toEqual([]);
  });

  it('a worker that says why it cannot start is reported, not restarted', () => {
    const s = setup();
    s.host.start();
    s.children[0]!.emit('message', { type: 'fatal', error: { code: 'RUN_STORE_ERROR', message: 'the data folder is read-only' } });
    s.children[0]!.die(1);
    expect(s.children).toHaveLength(1);
    expect(s.errors).toEqual(['The worker could not start: the data folder is read-only (RUN_STORE_ERROR)']);
  });

  it('quitting: the worker is stopped and its exit is expected', () => {
    const s = setup();
    s.host.start();
    s.children[0]!.ready();
    s.quit();
    s.host.stop();
    expect(s.children[0]!.killed).toBe(true);
    s.children[0]!.die(0);
    expect(s.children).toHaveLength(1);
    expect(s.errors).toEqual([]);
    expect(s.host.openPort()).toBeNull();
  });

  it('a missing worker file starts nothing (the environment says why)', () => {
    const s = setup({ forkFails: true });
    s.host.start();
    expect(s.errors).toEqual(['cannot start']);
    expect(s.host.running).toBe(false);
  });
});

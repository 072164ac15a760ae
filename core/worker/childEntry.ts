/**
 * The worker as a child process of `ars serve`: started by WorkerSupervisor (workerProcess.ts)
 * with `fork(entry, ['--home', DIR], { serialization: 'advanced' })`. It serves every connection
 * the supervisor opens on its IPC channel with the same dispatcher as every other transport, and
 * leaves when the supervisor goes away. If it dies, the supervisor starts another.
 */
import { parseArgs } from 'node:util';
import { errorInfo } from '../errors.ts';
import { pipeListeners } from '../protocol/pipeListeners.ts';
import type { MessagePipe } from '../protocol/transport.ts';
import { isToChild, type FromChild } from './childProtocol.ts';
import { serveClient, type StudioLike } from './dispatcher.ts';
import { FATAL_EXIT_CODE, onFatalBackendError } from './fatalErrors.ts';
import { resolveStudioHome } from './home.ts';
import { starterRunsOption } from './starterRuns.ts';
import { Studio } from './studio.ts';

interface Connection {
  pipe: MessagePipe;
  deliver(m: unknown): void;
  closed(): void;
}

function toParent(message: FromChild): void {
  process.send!(message);
}

/** One multiplexed connection as a MessagePipe: what the dispatcher sends goes up the channel. */
function connection(conn: number, onGone: () => void): Connection {
  const listeners = pipeListeners();
  const close = (): void => {
    if (listeners.closed) return;
    onGone();
    listeners.close();
  };
  return {
    pipe: {
      send(m) {
        if (listeners.closed || !process.connected) throw new Error('the connection is closed');
        toParent({ t: 'msg', conn, m });
      },
      onMessage: listeners.onMessage,
      onClose: listeners.onClose,
      close,
    },
    deliver: listeners.deliver,
    closed: close,
  };
}

function main(): void {
  if (typeof process.send !== 'function') {
    process.stderr.write('error: childEntry must be started by ars serve (as a child process with an IPC channel)\n');
    process.exit(1);
  }
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { home: { type: 'string' }, backend: { type: 'string' } },
    strict: false,
  });
  const home = resolveStudioHome(typeof values.home === 'string' ? values.home : undefined, process.env);
  const backend = typeof values.backend === 'string' ? values.backend : process.env.ARS_BACKEND;
  let studio: StudioLike;
  try {
    studio = new Studio({ home, ...(backend ? { backend } : {}), ...starterRunsOption(process.env) });
  } catch (err) {
    toParent({ t: 'fatal', error: errorInfo(err) });
    process.exit(1);
  }
  const connections = new Map<number, Connection>();
  process.on('message', (raw: unknown) => {
    if (!isToChild(raw)) return;
    if (raw.t === 'open') {
      if (connections.has(raw.conn)) return;
      const c = connection(raw.conn, () => connections.delete(raw.conn));
      connections.set(raw.conn, c);
      serveClient(c.pipe, studio);
    } else if (raw.t === 'msg') {
      connections.get(raw.conn)?.deliver(raw.m);
    } else {
      connections.get(raw.conn)?.closed();
    }
  });
  // The backend is unusable (a WebAssembly abort): the error has gone to the job's client; leave,
  // once it has been sent, with the code that tells the supervisor to start a fresh worker.
  onFatalBackendError((error) => {
    process.stderr.write(`error: ${error.message}\n`);
    setTimeout(() => process.exit(FATAL_EXIT_CODE), 300).unref?.();
  });
  // The supervisor is gone (it exited or was killed): nobody can reach this worker any more.
  process.on('disconnect', () => process.exit(0));
  // A terminal's Ctrl-C reaches the whole process group: the supervisor decides when this stops
  // (it sends SIGTERM, or disconnects), so the worker is not mistaken for a crashed one.
  process.on('SIGINT', () => {});
  toParent({ t: 'ready', pid: process.pid });
}

main();

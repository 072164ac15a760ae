import { WorkerClient } from '../../../core/protocol/client.ts';
import { pipeListeners } from '../../../core/protocol/pipeListeners.ts';
import type { MessagePipe } from '../../../core/protocol/transport.ts';
import { decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';
import { translate } from './i18n/translate.ts';

/**
 * How the page reaches the worker. In Electron the preload hands over a MessagePort; in web mode
 * (`ars serve`) the page opens a WebSocket back to the server that served it. Either way the
 * rest of the UI only sees a WorkerClient.
 */
export type TransportKind = 'electron' | 'web';

/** The window message the preload posts, with the worker's port in `event.ports[0]`. */
export const WORKER_PORT_MESSAGE = 'ars-worker-port';

export type ConnectionEvent =
  /** A client is ready; `kind` says whether this is the first one or a replacement. */
  | { type: 'connected'; client: WorkerClient; kind: 'first' | 'restarted' | 'reconnected' }
  | { type: 'disconnected'; message: string }
  | { type: 'failed'; message: string };

export interface ConnectionOptions {
  /** Where the page was loaded from (defaults to `location`). */
  location?: Pick<Location, 'search' | 'host' | 'protocol'>;
  /** Delays between WebSocket reconnection attempts, in ms; the last one repeats. */
  retryDelaysMs?: readonly number[];
  /** Gives up on reconnecting after this many failed attempts in a row. */
  maxRetries?: number;
  createWebSocket?: (url: string) => WebSocket;
}

export interface Connection {
  readonly transport: TransportKind;
  close(): void;
}

/** Wraps a DOM MessagePort (the Electron port) in a MessagePipe. */
export function createPortPipe(port: MessagePort): MessagePipe {
  const listeners = pipeListeners();
  port.addEventListener('message', (e: MessageEvent) => listeners.deliver(e.data));
  // Chromium fires `close` on a MessagePort whose other end has gone (the worker crashed).
  port.addEventListener('close', () => listeners.close());
  port.start();
  return {
    send(message, transfer) {
      if (listeners.closed) throw new Error(translate('connection.portClosed'));
      port.postMessage(message, transfer ?? []);
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close() {
      port.close();
      listeners.close();
    },
  };
}

const WS_OPEN = 1;

/**
 * Wraps a WebSocket in a MessagePipe: every frame is binary, encoded with wireCodec. Messages
 * sent before the socket opens are queued.
 */
export function createWebSocketPipe(ws: WebSocket): MessagePipe {
  ws.binaryType = 'arraybuffer';
  const listeners = pipeListeners();
  const queue: Uint8Array<ArrayBuffer>[] = [];
  const notifyClosed = () => {
    queue.length = 0;
    listeners.close();
  };
  ws.addEventListener('open', () => {
    for (const frame of queue.splice(0)) ws.send(frame);
  });
  ws.addEventListener('message', (e: MessageEvent) => {
    if (!(e.data instanceof ArrayBuffer)) return; // the protocol is binary only
    let message: unknown;
    try {
      message = decodeFrame(new Uint8Array(e.data));
    } catch {
      return; // an unreadable frame is dropped, as WorkerClient drops unreadable messages
    }
    listeners.deliver(message);
  });
  ws.addEventListener('close', notifyClosed);
  ws.addEventListener('error', () => ws.close());
  return {
    send(message) {
      if (listeners.closed) throw new Error(translate('connection.closed'));
      const frame = encodeFrame(message) as Uint8Array<ArrayBuffer>; // a fresh ArrayBuffer, never shared
      if (ws.readyState === WS_OPEN) ws.send(frame);
      else queue.push(frame);
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close() {
      ws.close();
      notifyClosed();
    },
  };
}

/** The WebSocket URL for web mode, or null when the page was not served by `ars serve`. */
export function webSocketUrl(loc: Pick<Location, 'search' | 'host' | 'protocol'>): string | null {
  const token = new URLSearchParams(loc.search).get('token');
  if (!token || (loc.protocol !== 'http:' && loc.protocol !== 'https:')) return null;
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws?token=${encodeURIComponent(token)}`;
}

/**
 * Connects to the worker and keeps connecting: reports each new client, each loss and the end
 * of retrying through `onEvent`.
 */
export function connectToWorker(onEvent: (e: ConnectionEvent) => void, options: ConnectionOptions = {}): Connection {
  const loc = options.location ?? window.location;
  const url = webSocketUrl(loc);
  return url ? connectWebSocket(url, onEvent, options) : connectElectronPort(onEvent);
}

function connectElectronPort(onEvent: (e: ConnectionEvent) => void): Connection {
  let current: WorkerClient | null = null;
  let ports = 0;
  const onMessage = (e: Event) => {
    const m = e as MessageEvent;
    if (m.source !== window || m.data !== WORKER_PORT_MESSAGE || m.ports.length !== 1) return;
    const port = m.ports[0]!;
    const previous = current;
    const pipe = createPortPipe(port);
    const client = new WorkerClient(pipe);
    current = client;
    pipe.onClose(() => {
      if (current === client) onEvent({ type: 'disconnected', message: translate('connection.workerStopped') });
    });
    ports += 1;
    // The worker behind the old port is gone; close our side so its pending requests fail now.
    previous?.close();
    onEvent({ type: 'connected', client, kind: ports === 1 ? 'first' : 'restarted' });
  };
  window.addEventListener('message', onMessage);
  return {
    transport: 'electron',
    close() {
      window.removeEventListener('message', onMessage);
      current?.close();
    },
  };
}

function connectWebSocket(url: string, onEvent: (e: ConnectionEvent) => void, options: ConnectionOptions): Connection {
  const delays = options.retryDelaysMs ?? [1000, 2000, 5000];
  const maxRetries = options.maxRetries ?? 60;
  const create = options.createWebSocket ?? ((u: string) => new WebSocket(u));
  let stopped = false;
  let everConnected = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: WorkerClient | null = null;

  const open = () => {
    if (stopped) return;
    const ws = create(url);
    let opened = false;
    const pipe = createWebSocketPipe(ws);
    ws.addEventListener('open', () => {
      opened = true;
      failures = 0;
      const kind = everConnected ? 'reconnected' : 'first';
      everConnected = true;
      current = new WorkerClient(pipe);
      onEvent({ type: 'connected', client: current, kind });
    });
    pipe.onClose(() => {
      current = null;
      if (stopped) return;
      failures += 1;
      if (opened) onEvent({ type: 'disconnected', message: translate('connection.lost') });
      else if (failures === 1) onEvent({ type: 'disconnected', message: translate('connection.unreachable') });
      if (failures > maxRetries) {
        onEvent({
          type: 'failed',
          message:
            translate('connection.unreachableFinal'),
        });
        return;
      }
      const delay = delays[Math.min(failures - 1, delays.length - 1)] ?? 1000;
      timer = setTimeout(open, delay);
    });
  };
  open();
  return {
    transport: 'web',
    close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      current?.close();
    },
  };
}

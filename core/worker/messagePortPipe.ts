import type { MessagePipe } from '../protocol/transport.ts';
import { serveClient, type StudioLike } from './dispatcher.ts';

/** The part of Electron's MessagePortMain this file uses (no `electron` import in the worker). */
export interface MessagePortMainLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off?(event: 'message' | 'close', listener: (...args: never[]) => void): unknown;
  postMessage(message: unknown, transfer?: unknown[]): void;
  start(): void;
  close(): void;
}

export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: MessagePortMainLike[] }) => void): unknown;
  postMessage(message: unknown): void;
}

/**
 * A MessagePortMain as a MessagePipe. Electron's MessagePortMain can transfer only ports, not
 * ArrayBuffers, so the transfer list is dropped and typed arrays are copied by structured clone.
 */
export function messagePortPipe(port: MessagePortMainLike): MessagePipe {
  let receiver: ((m: unknown) => void) | null = null;
  const closeListeners = new Set<() => void>();
  let closed = false;
  port.on('message', (event) => receiver?.(event.data));
  port.on('close', () => {
    if (closed) return;
    closed = true;
    for (const l of [...closeListeners]) l();
  });
  port.start();
  return {
    send(message) {
      if (closed) throw new Error('the port is closed');
      port.postMessage(message);
    },
    onMessage(r) {
      receiver = r;
      return () => {
        if (receiver === r) receiver = null;
      };
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      port.close();
    },
  };
}

/** Serves every port posted with `{ type: 'connect' }` on `parentPort`. */
export function serveParentPort(parentPort: ParentPortLike, studio: StudioLike): void {
  parentPort.on('message', (event) => {
    const data = event.data;
    if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'connect') return;
    const port = event.ports[0];
    if (!port) return;
    serveClient(messagePortPipe(port), studio);
  });
}

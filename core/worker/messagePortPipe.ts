import { pipeListeners } from '../protocol/pipeListeners.ts';
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
  const listeners = pipeListeners();
  port.on('message', (event) => listeners.deliver(event.data));
  port.on('close', () => listeners.close());
  port.start();
  return {
    send(message) {
      if (listeners.closed) throw new Error('the port is closed');
      port.postMessage(message);
    },
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
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

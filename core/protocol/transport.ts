import { pipeListeners, type PipeListeners } from './pipeListeners.ts';

/**
 * A message pipe between a client and the worker. Three implementations: Electron's
 * MessagePort, a WebSocket (with the binary codec in wireCodec.ts) and an in-process pair.
 * Messages are plain structured-cloneable data; typed arrays may be transferred.
 */
export interface MessagePipe {
  send(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Registers the single receiver; returns a function that removes it. */
  onMessage(receiver: (message: unknown) => void): () => void;
  /** Called once when the other side goes away. */
  onClose(listener: () => void): () => void;
  close(): void;
}

/** Two connected in-process pipes (tests, CLI). Delivery is asynchronous, like a real port. */
export function createPipePair(): [MessagePipe, MessagePipe] {
  const a = pipeListeners();
  const b = pipeListeners();
  const make = (self: PipeListeners, other: PipeListeners): MessagePipe => ({
    send(message) {
      if (self.closed) throw new Error('pipe is closed');
      const copy = structuredClone(message);
      queueMicrotask(() => other.deliver(copy));
    },
    onMessage: self.onMessage,
    onClose: self.onClose,
    close() {
      // Closing either end closes both.
      self.close();
      other.close();
    },
  });
  return [make(a, b), make(b, a)];
}

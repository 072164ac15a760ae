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
  type Side = { receiver: ((m: unknown) => void) | null; closeListeners: Set<() => void>; closed: boolean };
  const a: Side = { receiver: null, closeListeners: new Set(), closed: false };
  const b: Side = { receiver: null, closeListeners: new Set(), closed: false };
  const make = (self: Side, other: Side): MessagePipe => ({
    send(message) {
      if (self.closed) throw new Error('pipe is closed');
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (!other.closed) other.receiver?.(copy);
      });
    },
    onMessage(receiver) {
      self.receiver = receiver;
      return () => {
        if (self.receiver === receiver) self.receiver = null;
      };
    },
    onClose(listener) {
      self.closeListeners.add(listener);
      return () => self.closeListeners.delete(listener);
    },
    close() {
      if (self.closed) return;
      self.closed = true;
      other.closed = true;
      for (const l of [...self.closeListeners, ...other.closeListeners]) l();
    },
  });
  return [make(a, b), make(b, a)];
}

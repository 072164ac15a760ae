import type { MessagePipe } from './transport.ts';

/**
 * The receiving half every MessagePipe shares, whatever carries it (an Electron or DOM
 * MessagePort, a WebSocket, an IPC channel, an in-process pair): one receiver at a time, and
 * close listeners told once, when the pipe closes. The transport feeds it (`deliver`, `close`)
 * and hands `onMessage`/`onClose` out as the pipe's own. Pure: no DOM, no Node, so the renderer
 * uses it too.
 */
export interface PipeListeners extends Pick<MessagePipe, 'onMessage' | 'onClose'> {
  /** Whether `close` has run. */
  readonly closed: boolean;
  /** Hands a message to the receiver; dropped when there is none or the pipe is closed. */
  deliver(message: unknown): void;
  /**
   * Marks the pipe closed and calls each close listener once (those added while they run are
   * not called). Returns false, doing nothing, when it was closed already.
   */
  close(): boolean;
}

export function pipeListeners(): PipeListeners {
  let receiver: ((message: unknown) => void) | null = null;
  const closeListeners = new Set<() => void>();
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    deliver(message) {
      if (!closed) receiver?.(message);
    },
    close() {
      if (closed) return false;
      closed = true;
      for (const listener of [...closeListeners]) listener();
      closeListeners.clear();
      return true;
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
  };
}

import { WebSocket } from 'ws';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { WorkerClient } from '../../../core/protocol/client.ts';
import type { MessagePipe } from '../../../core/protocol/transport.ts';
import { decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';

/** Collects a job's events until done/error. */
export async function collect(client: WorkerClient, jobId: string, onEach?: (e: JobEvent) => void): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of client.events(jobId)) {
    out.push(e);
    onEach?.(e);
  }
  return out;
}

/**
 * The raw side of a pipe: send anything, read back every server message. `next(pred)` waits for
 * the first message (not yet taken) matching `pred`.
 */
export class RawPeer {
  readonly received: unknown[] = [];
  private waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];

  constructor(readonly pipe: MessagePipe) {
    pipe.onMessage((m) => {
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.received.push(m);
    });
  }

  next(pred: (m: unknown) => boolean, timeoutMs = 5000): Promise<unknown> {
    const i = this.received.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends `message` and waits for the response with `id`. */
  async exchange(message: unknown, id: string): Promise<Record<string, unknown>> {
    this.pipe.send(message);
    return (await this.next((m) => isResponse(m) && m.id === id)) as Record<string, unknown>;
  }
}

export function isResponse(m: unknown): m is { type: 'response'; id: string; ok: boolean; error?: { code: string; message: string } } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'response';
}

/** A client-side pipe over a `ws` WebSocket (binary frames through the wire codec). */
export function clientWebSocketPipe(ws: WebSocket): MessagePipe {
  let receiver: ((m: unknown) => void) | null = null;
  const closeListeners = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    try {
      receiver?.(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    } catch {
      // ignore unreadable frames
    }
  });
  ws.on('close', () => {
    for (const l of [...closeListeners]) l();
  });
  return {
    send: (m) => ws.send(encodeFrame(m)),
    onMessage(r) {
      receiver = r;
      return () => (receiver = null);
    },
    onClose(l) {
      closeListeners.add(l);
      return () => closeListeners.delete(l);
    },
    close: () => ws.close(),
  };
}

/** Opens a WebSocket; resolves once open, rejects with the HTTP status when refused. */
export function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(new HttpRefusal(res.statusCode ?? 0));
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

export class HttpRefusal extends Error {
  constructor(readonly status: number) {
    super(`refused with HTTP ${status}`);
  }
}

/** Resolves to the HTTP status of a refused WebSocket handshake (fails if it opens). */
export async function refusalStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const ws = await openWebSocket(url, headers);
    ws.close();
  } catch (err) {
    if (err instanceof HttpRefusal) return err.status;
    throw err;
  }
  throw new Error('the WebSocket was accepted');
}

export async function connectClient(wsUrl: string): Promise<{ client: WorkerClient; ws: WebSocket; pipe: MessagePipe }> {
  const ws = await openWebSocket(wsUrl);
  const pipe = clientWebSocketPipe(ws);
  return { client: new WorkerClient(pipe), ws, pipe };
}

/** Wraps a pipe so that every message it receives is also recorded in `seen`. */
export function tapPipe(pipe: MessagePipe, seen: unknown[]): MessagePipe {
  return {
    send: (m, t) => pipe.send(m, t),
    onMessage: (r) =>
      pipe.onMessage((m) => {
        seen.push(m);
        r(m);
      }),
    onClose: (l) => pipe.onClose(l),
    close: () => pipe.close(),
  };
}

/** Resolves with the close code and reason once `ws` closes. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve({ code: 0, reason: '' });
    else ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
  });
}

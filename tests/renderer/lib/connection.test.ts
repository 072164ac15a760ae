import { describe, expect, it, vi } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';
import { PROTOCOL_VERSION } from '../../../core/protocol/messages.ts';
import {
  connectToWorker,
  createWebSocketPipe,
  webSocketUrl,
  type ConnectionEvent,
} from '../../../renderer/src/lib/connection.ts';

/** Just enough of a browser WebSocket for the pipe. */
class FakeSocket extends EventTarget {
  readyState = 0;
  binaryType = 'blob';
  sent: Uint8Array[] = [];
  constructor(readonly url: string) {
    super();
  }
  send(data: Uint8Array) {
    this.sent.push(data);
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(new Event('close'));
  }
  open() {
    this.readyState = 1;
    this.dispatchEvent(new Event('open'));
  }
  receive(message: unknown) {
    const frame = encodeFrame(message);
    this.dispatchEvent(new MessageEvent('message', { data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) }));
  }
}

describe('webSocketUrl', () => {
  it('points back at the serving host, with the page token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:4321', search: '?token=ab%2Fc' })).toBe('ws://127.0.0.1:4321/ws?token=ab%2Fc');
  });
  it('is null without a token or outside http (Electron)', () => {
    expect(webSocketUrl({ protocol: 'http:', host: 'x', search: '' })).toBeNull();
    expect(webSocketUrl({ protocol: 'app:', host: 'studio', search: '?token=t' })).toBeNull();
  });
});

describe('createWebSocketPipe', () => {
  it('queues until open, sends binary frames, decodes what arrives', () => {
    const ws = new FakeSocket('ws://x/ws');
    const pipe = createWebSocketPipe(ws as unknown as WebSocket);
    expect(ws.binaryType).toBe('arraybuffer');
    const got: unknown[] = [];
    pipe.onMessage((m) => got.push(m));
    pipe.send({ hello: new Float32Array([1, 2]) });
    expect(ws.sent).toHaveLength(0);
    ws.open();
    expect(ws.sent).toHaveLength(1);
    expect(decodeFrame(ws.sent[0]!)).toEqual({ hello: new Float32Array([1, 2]) });
    ws.receive({ a: 1 });
    ws.dispatchEvent(new MessageEvent('message', { data: 'text frames are not the protocol' }));
    expect(got).toEqual([{ a: 1 }]);
  });

  it('reports the close once and refuses to send after it', () => {
    const ws = new FakeSocket('ws://x/ws');
    const pipe = createWebSocketPipe(ws as unknown as WebSocket);
    const closed = vi.fn();
    pipe.onClose(closed);
    ws.open();
    ws.close();
    ws.dispatchEvent(new Event('close'));
    expect(closed).toHaveBeenCalledTimes(1);
    expect(() => pipe.send({})).toThrow();
  });
});

describe('connectToWorker (web mode)', () => {
  it('gives a working client, announces a lost connection, and reconnects', async () => {
    vi.useFakeTimers();
    try {
      const sockets: FakeSocket[] = [];
      const events: ConnectionEvent[] = [];
      const conn = connectToWorker((e) => events.push(e), {
        location: { protocol: 'http:', host: '127.0.0.1:9', search: '?token=t' },
        createWebSocket: (url) => {
          const s = new FakeSocket(url);
          sockets.push(s);
          return s as unknown as WebSocket;
        },
        retryDelaysMs: [10],
      });
      expect(conn.transport).toBe('web');
      expect(sockets[0]!.url).toBe('ws://127.0.0.1:9/ws?token=t');
      sockets[0]!.open();
      const first = events[0];
      expect(first).toMatchObject({ type: 'connected', kind: 'first' });
      if (first?.type !== 'connected') throw new Error('not connected');

      const reply = first.client.request('runs.list', {});
      const request = decodeFrame(sockets[0]!.sent[0]!) as { id: string; method: string };
      expect(request.method).toBe('runs.list');
      sockets[0]!.receive({ v: PROTOCOL_VERSION, type: 'response', id: request.id, ok: true, result: [] });
      await expect(reply).resolves.toEqual([]);

      sockets[0]!.close();
      expect(events[1]).toMatchObject({ type: 'disconnected' });
      await vi.advanceTimersByTimeAsync(10);
      expect(sockets).toHaveLength(2);
      sockets[1]!.open();
      expect(events[2]).toMatchObject({ type: 'connected', kind: 'reconnected' });
      conn.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up after the retries and says what to do', async () => {
    vi.useFakeTimers();
    try {
      const events: ConnectionEvent[] = [];
      connectToWorker((e) => events.push(e), {
        location: { protocol: 'http:', host: 'h:1', search: '?token=t' },
        createWebSocket: (url) => {
          const s = new FakeSocket(url);
          queueMicrotask(() => s.close()); // refused
          return s as unknown as WebSocket;
        },
        retryDelaysMs: [5],
        maxRetries: 2,
      });
      await vi.advanceTimersByTimeAsync(50);
      expect(events.map((e) => e.type)).toEqual(['disconnected', 'failed']);
      expect(events[1]).toMatchObject({ message: expect.stringContaining('new address') });
    } finally {
      vi.useRealTimers();
    }
  });
});

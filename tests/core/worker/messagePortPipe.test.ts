import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../core/protocol/client.ts';
import type { MessagePipe } from '../../../core/protocol/transport.ts';
import { serveParentPort, type MessagePortMainLike, type ParentPortLike } from '../../../core/worker/messagePortPipe.ts';
import { FakeStudio } from './fakeStudio.ts';
import { collect } from './helpers.ts';

/** A fake of Electron's MessagePortMain (events carry `{ data }`). */
class FakePort extends EventEmitter {
  other!: FakePort;
  started = false;
  closed = false;
  postMessage(message: unknown, transfer?: unknown[]): void {
    if (transfer && transfer.length > 0) throw new Error('MessagePortMain transfers ports only');
    const copy = structuredClone(message);
    setImmediate(() => this.other.emit('message', { data: copy, ports: [] }));
  }
  start(): void {
    this.started = true;
  }
  close(): void {
    if (this.closed) return;
    this.closed = this.other.closed = true;
    this.emit('close');
    this.other.emit('close');
  }
}

/** Two entangled fake ports. */
function portPair(): [FakePort, FakePort] {
  const a = new FakePort();
  const b = new FakePort();
  a.other = b;
  b.other = a;
  return [a, b];
}

function rendererPipe(port: FakePort): MessagePipe {
  let receiver: ((m: unknown) => void) | null = null;
  port.on('message', (e: { data: unknown }) => receiver?.(e.data));
  return {
    send: (m) => port.postMessage(m),
    onMessage: (r) => {
      receiver = r;
      return () => (receiver = null);
    },
    onClose: (l) => {
      port.on('close', l);
      return () => port.off('close', l);
    },
    close: () => port.close(),
  };
}

describe('utility process transport (MessagePortMain)', () => {
  it('serves a port posted with { type: "connect" } and cancels its sampling when it closes, not its training', async () => {
    const studio = new FakeStudio();
    const parent = new EventEmitter();
    serveParentPort(parent as unknown as ParentPortLike, studio);
    const [rendererSide, workerSide] = portPair();
    parent.emit('message', { data: { type: 'something else' }, ports: [] });
    parent.emit('message', { data: { type: 'connect' }, ports: [workerSide as unknown as MessagePortMainLike] });
    expect(workerSide.started).toBe(true);

    const client = new WorkerClient(rendererPipe(rendererSide));
    const bytes = new Uint8Array([104, 105]);
    const { jobId } = await client.request('train.start', {
      config: { model: { family: 'rnn', cell: 'rnn', embedding: 8, hidden: 8, layers: 1 }, data: { kind: 'upload', name: 'a', bytes }, steps: 5 },
    }, [bytes.buffer]);
    const events = await collect(client, jobId);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });

    const { runId } = await client.request('train.start', { config: { model: { family: 'rnn', cell: 'rnn', embedding: 8, hidden: 8, layers: 1 }, data: { kind: 'builtin', name: 'sonnets' }, steps: 100_000 } });
    await client.request('sample.start', { runId, options: { length: 100_000 } });
    rendererSide.close();
    // The page's sampling ends with it; its training belongs to the worker and goes on.
    await expect.poll(() => studio.jobs[2]!.cancelled).toBe(true);
    expect(studio.jobs[1]!.cancelled).toBe(false);
  });
});

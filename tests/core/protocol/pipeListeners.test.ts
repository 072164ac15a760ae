import { describe, expect, it } from 'vitest';
import { pipeListeners } from '../../../core/protocol/pipeListeners.ts';
import { createPipePair } from '../../../core/protocol/transport.ts';

describe('pipeListeners', () => {
  it('hands each message to the one current receiver', () => {
    const l = pipeListeners();
    const first: unknown[] = [];
    const second: unknown[] = [];
    l.deliver('nobody listens yet');
    const offFirst = l.onMessage((m) => first.push(m));
    l.deliver(1);
    l.onMessage((m) => second.push(m));
    l.deliver(2);
    offFirst(); // no longer the receiver: removing it leaves the second in place
    l.deliver(3);
    expect(first).toEqual([1]);
    expect(second).toEqual([2, 3]);
  });

  it('tells each close listener once, then drops messages', () => {
    const l = pipeListeners();
    const calls: string[] = [];
    const received: unknown[] = [];
    l.onMessage((m) => received.push(m));
    l.onClose(() => calls.push('a'));
    const offB = l.onClose(() => calls.push('b'));
    l.onClose(() => calls.push('c'));
    offB();
    expect(l.closed).toBe(false);
    expect(l.close()).toBe(true);
    expect(l.close()).toBe(false);
    l.deliver('late');
    expect(l.closed).toBe(true);
    expect(calls).toEqual(['a', 'c']);
    expect(received).toEqual([]);
  });
});

describe('createPipePair', () => {
  it('delivers asynchronously and closes both ends together', async () => {
    const [a, b] = createPipePair();
    const got: unknown[] = [];
    const closed: string[] = [];
    b.onMessage((m) => got.push(m));
    a.onClose(() => closed.push('a'));
    b.onClose(() => closed.push('b'));
    const sent = { n: 1 };
    a.send(sent);
    sent.n = 2; // a structured clone was taken
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual([{ n: 1 }]);
    b.close();
    a.close();
    expect(closed).toEqual(['b', 'a']);
    expect(() => a.send('x')).toThrow(/closed/);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { frameBatch } from '../../../renderer/src/lib/frameBatch.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('frameBatch', () => {
  it('flushes once per frame however often it is asked', () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flush = vi.fn();
    const batch = frameBatch(flush);
    for (let i = 0; i < 100; i++) batch.request();
    expect(frames).toHaveLength(1);
    expect(flush).not.toHaveBeenCalled();
    frames[0]!(0);
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000); // the hidden-page fallback was cancelled by the frame
    expect(flush).toHaveBeenCalledTimes(1);
    batch.request();
    expect(frames).toHaveLength(2);
  });

  it('still flushes where no frames come (a hidden page), and can flush at once', () => {
    vi.stubGlobal('requestAnimationFrame', () => 1);
    vi.stubGlobal('cancelAnimationFrame', () => {});
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const flush = vi.fn();
    const batch = frameBatch(flush);
    batch.request();
    vi.advanceTimersByTime(300);
    expect(flush).toHaveBeenCalledTimes(1);
    batch.request();
    batch.flushNow();
    expect(flush).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(flush).toHaveBeenCalledTimes(2);
  });
});

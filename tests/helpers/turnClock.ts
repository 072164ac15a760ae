import { vi } from 'vitest';

/**
 * A mocked `performance.now()` that moves only when told to (`advance`) and by `msPerTurn` each
 * time the event loop is given a turn (`setImmediate`): for tests that a clock counts a lane's own
 * work and none of the event loop's time. `restore()` puts both back.
 */
export function mockTurnClock(msPerTurn = 50): { advance(ms: number): void; turns(): number; restore(): void } {
  let now = 0;
  let turns = 0;
  const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
  const realSetImmediate = globalThis.setImmediate;
  const turn = vi.spyOn(globalThis, 'setImmediate').mockImplementation(((fn: () => void) => {
    turns++;
    now += msPerTurn;
    return realSetImmediate(fn);
  }) as typeof setImmediate);
  return {
    advance: (ms) => {
      now += ms;
    },
    turns: () => turns,
    restore: () => {
      turn.mockRestore();
      clock.mockRestore();
    },
  };
}

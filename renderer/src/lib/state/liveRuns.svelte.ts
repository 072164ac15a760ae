import { liveTrainings, type LiveTraining } from '../runRows.ts';
import { runs } from './runs.svelte.ts';
import { worker } from './worker.svelte.ts';

/** How often the live step of trainings is asked for while a view shows runs (ms). */
const POLL_MS = 2000;

/**
 * The step and state of every training the worker runs, whoever started it (this page, another
 * page, the CLI's serve): asked for with `jobs.list` while a view that shows runs is open and a run
 * is in training. When a training ends, the stored runs are read again.
 */
class LiveRuns {
  byRun = $state.raw<Map<string, LiveTraining>>(new Map());
  private users = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** A view that shows runs is open (call the returned function when it closes). */
  watch(): () => void {
    this.users++;
    if (this.users === 1) void this.poll();
    return () => {
      this.users--;
      if (this.users === 0 && this.timer !== null) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  /** Asks now (e.g. after starting a training). */
  async poll(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const anyTraining = runs.list.some((r) => r.state === 'training') || this.byRun.size > 0;
    if (anyTraining && worker.status === 'connected') {
      try {
        const next = liveTrainings(await worker.request('jobs.list', {}));
        const ended = [...this.byRun.keys()].some((id) => !next.has(id));
        const checkpointed = [...next.keys()].some((id) => {
          const r = runs.byId(id);
          return r !== undefined && r.checkpointStep === null && (next.get(id)?.step ?? 0) > 0;
        });
        this.byRun = next;
        // A training ended, or one may have saved its first checkpoint: read the stored runs again.
        if (ended || checkpointed) void runs.refresh();
      } catch {
        // The connection went: the next poll tries again.
      }
    }
    if (this.users > 0) this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }
}

export const liveRuns = new LiveRuns();

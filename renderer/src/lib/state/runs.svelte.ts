import type { RunDetail, RunSummary } from '../../../../core/protocol/messages.ts';
import { notices } from './notices.svelte.ts';
import { worker } from './worker.svelte.ts';

/** The runs stored by the worker, and the one the person is looking at. */
class Runs {
  list = $state.raw<RunSummary[]>([]);
  loaded = $state(false);
  selectedId = $state<string | null>(null);
  detail = $state.raw<RunDetail | null>(null);
  private refreshing: Promise<void> | null = null;

  /** Reloads the list (and the selected run); calls made while one is in flight share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async select(runId: string | null): Promise<void> {
    this.selectedId = runId;
    if (runId === null) {
      this.detail = null;
      return;
    }
    try {
      const detail = await worker.request('runs.get', { runId });
      if (this.selectedId === runId) this.detail = detail;
    } catch (err) {
      notices.error(err, 'Could not open the run');
    }
  }

  async remove(runId: string): Promise<void> {
    try {
      await worker.request('runs.delete', { runId });
      if (this.selectedId === runId) await this.select(null);
    } catch (err) {
      notices.error(err, 'Could not delete the run');
    }
    await this.refresh();
  }

  byId(runId: string | null): RunSummary | undefined {
    return runId === null ? undefined : this.list.find((r) => r.id === runId);
  }

  private async load(): Promise<void> {
    try {
      const list = await worker.request('runs.list', {});
      this.list = [...list].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      this.loaded = true;
      if (this.selectedId !== null) {
        if (list.some((r) => r.id === this.selectedId)) await this.select(this.selectedId);
        else await this.select(null);
      }
    } catch (err) {
      notices.error(err, 'Could not list the runs');
    }
  }
}

export const runs = new Runs();

/** "LSTM 2×128 (emb 64)", "Transformer 2×64, 4 heads, ctx 64", "NAR Transformer …" (every family). */
export { describeModel } from '../modelForm.ts';

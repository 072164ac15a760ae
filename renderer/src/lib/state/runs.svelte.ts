import { MAX_RUN_ARCHIVE_BYTES, type RunDetail, type RunSummary } from '../../../../core/protocol/messages.ts';
import { downloadBlob } from '../download.ts';
import { shownRun } from '../shownRun.ts';
import { formatBytes } from '../format.ts';
import { metricsCsv } from '../metricsCsv.ts';
import { notices } from './notices.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

/** The most runs one comparison chart shows. */
export const COMPARE_MAX = 6;

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
      const detail = shownRun(await worker.request('runs.get', { runId }));
      if (this.selectedId === runId) this.detail = detail;
    } catch (err) {
      notices.error(err, t('runs.couldNotOpen'));
    }
  }

  async remove(runId: string): Promise<void> {
    try {
      await worker.request('runs.delete', { runId });
      if (this.selectedId === runId) await this.select(null);
    } catch (err) {
      notices.error(err, t('runs.couldNotDelete'));
    }
    await this.refresh();
  }

  /** The runs ticked for comparison (in the order ticked), and their details once loaded. */
  compareIds = $state<string[]>([]);
  compared = $state.raw<RunDetail[]>([]);

  /** Ticks or unticks a run for the comparison chart (at most COMPARE_MAX). */
  async toggleCompare(runId: string): Promise<void> {
    if (this.compareIds.includes(runId)) this.compareIds = this.compareIds.filter((id) => id !== runId);
    else if (this.compareIds.length < COMPARE_MAX) this.compareIds = [...this.compareIds, runId];
    else {
      notices.info(t('runs.compareAtMost', { max: COMPARE_MAX }));
      return;
    }
    await this.loadCompared();
  }

  private async loadCompared(): Promise<void> {
    const ids = this.compareIds;
    try {
      const details = await Promise.all(ids.map((runId) => this.compared.find((d) => d.id === runId && d.updatedAt === this.byId(runId)?.updatedAt) ?? worker.request('runs.get', { runId }).then(shownRun)));
      if (this.compareIds === ids) this.compared = details;
    } catch (err) {
      notices.error(err, t('runs.couldNotCompare'));
    }
  }

  /** What export or import is under way, if any (one at a time). */
  transfer = $state<'exporting' | 'importing' | 'restoring' | null>(null);

  /** Saves a run as one .tgz file (settings, metrics, training data, checkpoints). */
  async exportRun(runId: string): Promise<void> {
    if (this.transfer) return;
    this.transfer = 'exporting';
    try {
      const { fileName, archive, notices: warnings } = await worker.request('runs.export', { runId });
      downloadBlob(new Blob([archive as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }), fileName);
      for (const w of warnings) notices.info(w);
    } catch (err) {
      notices.error(err, t('runs.couldNotExport'));
    } finally {
      this.transfer = null;
    }
  }

  /** Adds the run in an exported archive the person picked, then shows it. */
  async importArchive(file: File): Promise<void> {
    if (this.transfer) return;
    if (file.size > MAX_RUN_ARCHIVE_BYTES) {
      notices.error(new Error(t('runs.archiveTooBig', { name: file.name, size: formatBytes(file.size), max: formatBytes(MAX_RUN_ARCHIVE_BYTES) })), t('runs.couldNotImportRun'));
      return;
    }
    this.transfer = 'importing';
    try {
      const archive = new Uint8Array(await file.arrayBuffer());
      const run = shownRun(await worker.request('runs.import', { archive, fileName: file.name }));
      await this.refresh();
      await this.select(run.id);
      notices.info(t('runs.imported', { name: run.name, state: run.state, step: run.step }));
    } catch (err) {
      notices.error(err, t('runs.couldNotImport', { name: file.name }));
    } finally {
      this.transfer = null;
    }
  }

  /** Adds back the starter runs shipped with the app that are missing (those there are left alone). */
  async restoreStarters(): Promise<void> {
    if (this.transfer) return;
    this.transfer = 'restoring';
    try {
      const { restored, present } = await worker.request('runs.restoreStarters', {});
      await this.refresh();
      notices.info(restored.length > 0 ? t('runsView.restoredStarters', { count: restored.length }) : t('runsView.startersAllHere', { count: present.length }));
    } catch (err) {
      notices.error(err, t('runsView.couldNotRestoreStarters'));
    } finally {
      this.transfer = null;
    }
  }

  /** The run's metrics as a CSV file: every record (a long run's detail holds a thinned set). */
  async downloadMetrics(run: RunDetail): Promise<void> {
    try {
      const metrics = run.metricsTotal > run.metrics.length ? await worker.request('runs.metrics', { runId: run.id }) : run.metrics;
      downloadBlob(new Blob([metricsCsv(metrics)], { type: 'text/csv' }), `${run.id}-metrics.csv`);
    } catch (err) {
      notices.error(err, t('runs.couldNotSaveMetrics'));
    }
  }

  byId(runId: string | null): RunSummary | undefined {
    return runId === null ? undefined : this.list.find((r) => r.id === runId);
  }

  private async load(): Promise<void> {
    try {
      const list = await worker.request('runs.list', {});
      this.list = list.map(shownRun).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      this.loaded = true;
      if (this.selectedId !== null) {
        if (list.some((r) => r.id === this.selectedId)) await this.select(this.selectedId);
        else await this.select(null);
      }
      if (this.compareIds.length > 0) {
        this.compareIds = this.compareIds.filter((id) => list.some((r) => r.id === id));
        await this.loadCompared();
      }
    } catch (err) {
      notices.error(err, t('runs.couldNotList'));
    }
  }
}

export const runs = new Runs();

/** "LSTM 2×128 (emb 64)", "Transformer 2×64, 4 heads, ctx 64", "NAR Transformer …" (every family). */
export { describeModel } from '../modelForm.ts';

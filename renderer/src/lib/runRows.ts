/**
 * The Runs table's rows: each stored run with the live step and state of its training (from the
 * worker's job list), a short id, and the order the person chose. Pure (no runes), tested on its own.
 */
import type { JobSummary, RunSummary } from '../../../core/protocol/messages.ts';

/** What a training job says of its run right now. */
export interface LiveTraining {
  state: JobSummary['state'];
  step: number;
  totalSteps: number;
}

/** A row: the run with its live figures laid over (`live` tells the table it is in training now). */
export type RunRow = RunSummary & { live: LiveTraining | null };

export type SortKey = 'created' | 'name' | 'model' | 'step' | 'loss';
export interface SortOrder {
  key: SortKey;
  descending: boolean;
}

/** The default: newest first. */
export const DEFAULT_SORT: SortOrder = { key: 'created', descending: true };

/** The live training of each run the worker is training (or holds queued), from `jobs.list`. */
export function liveTrainings(jobs: readonly JobSummary[]): Map<string, LiveTraining> {
  const live = new Map<string, LiveTraining>();
  for (const j of jobs) {
    if (j.kind !== 'train') continue;
    live.set(j.runId, { state: j.state, step: j.progress?.step ?? 0, totalSteps: j.progress?.totalSteps ?? 0 });
  }
  return live;
}

/** A run with its live figures: the step and total the job reports (never less than stored). */
export function runRow(run: RunSummary, live: LiveTraining | undefined): RunRow {
  if (!live) return { ...run, live: null };
  return {
    ...run,
    step: Math.max(run.step, live.step),
    totalSteps: live.totalSteps || run.totalSteps,
    live,
  };
}

/** What a row's state column says: a run's stored state, or "queued" while its job waits. */
export type RowState = RunSummary['state'] | 'queued';

/** The state a row shows: the job's when it is live ("queued", "paused", "training"), else the stored one. */
export function rowState(row: RunRow): RowState {
  if (!row.live) return row.state;
  return row.live.state === 'running' ? 'training' : row.live.state;
}

/**
 * A run's id in a few characters (the full id goes in a tooltip and the copy button). Ids are
 * `date-time-name-random` (core/runs/runStore.ts): their first 8 characters are the date, the same
 * for every run of a day, so the short form is the random tail that tells same-named runs apart;
 * an id of another shape (an imported one) shows its first 8 characters.
 */
export function shortId(id: string): string {
  const tail = /-([0-9a-f]{6})$/.exec(id)?.[1];
  return tail ?? id.slice(0, 8);
}

/**
 * The rows in the chosen order; ties (and runs without a loss) keep the newest first. `modelName`
 * is how the table writes a model (sorted as written).
 */
export function sortRows(rows: readonly RunRow[], order: SortOrder, modelName: (r: RunRow) => string): RunRow[] {
  const newestFirst = (a: RunRow, b: RunRow) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
  const sign = order.descending ? -1 : 1;
  const text = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const loss = (r: RunRow) => r.lastValLoss ?? r.lastTrainLoss;
  return rows.toSorted((a, b) => {
    let c = 0;
    switch (order.key) {
      case 'created':
        return -sign * newestFirst(a, b) || text.compare(a.id, b.id);
      case 'name':
        c = text.compare(a.name, b.name);
        break;
      case 'model':
        c = text.compare(modelName(a), modelName(b));
        break;
      case 'step':
        c = a.step - b.step;
        break;
      case 'loss': {
        const la = loss(a);
        const lb = loss(b);
        // Runs without a loss yet go last, whichever way.
        if (la === null || lb === null) return la === lb ? newestFirst(a, b) : la === null ? 1 : -1;
        c = la - lb;
        break;
      }
    }
    return sign * c || newestFirst(a, b);
  });
}

/** Clicking a column's header: that column, or the same column the other way. Dates and figures start descending. */
export function nextSort(current: SortOrder, key: SortKey): SortOrder {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key === 'created' || key === 'step' };
}

/** A run's creation date and time as `locale` (the app's language) writes them (Intl). */
export function formatCreated(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

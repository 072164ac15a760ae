import type { RunSummary } from '../../../core/protocol/messages.ts';
import { plainText } from '../../../core/protocol/plainText.ts';

/**
 * A run as the views show it: its name and dataset (from run.json, possibly from someone
 * else's archive) without control characters or bidirectional overrides. Applied where runs
 * arrive from the worker, so every view that renders a run's name or dataset gets the clean one.
 */
export function shownRun<T extends Pick<RunSummary, 'name' | 'dataset'>>(run: T): T {
  return { ...run, name: plainText(run.name), dataset: plainText(run.dataset) };
}

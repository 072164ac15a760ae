import type { JobEvent } from '../protocol/messages.ts';
import type { CliIo } from './io.ts';

type DistillEvent = Extract<JobEvent, { kind: 'distill' }>;

const integer = new Intl.NumberFormat('en-US');

/** "Generating distillation text 12,000/94,000 [#####.....]". */
export function formatDistillLine(e: DistillEvent, width = 100): string {
  const text = `Generating distillation text ${integer.format(e.done)}/${integer.format(e.total)}`;
  const barWidth = Math.min(30, width - text.length - 3);
  if (barWidth < 5) return text.slice(0, Math.max(0, width));
  const filled = Math.round((Math.min(e.done, e.total) / Math.max(1, e.total)) * barWidth);
  return `${text} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
}

/**
 * Shows a distilled run's first phase on stderr (stdout keeps the training output and --json
 * its events): one line redrawn on a terminal, about ten lines in a log.
 */
export function distillProgressWriter(io: CliIo): (e: DistillEvent) => void {
  const tty = io.stderr.isTTY === true;
  let shownTenth = -1;
  return (e) => {
    const columns = io.stderr.columns !== undefined && io.stderr.columns >= 20 ? io.stderr.columns : 100;
    const finished = e.done >= e.total;
    if (tty) {
      io.stderr.write(`\r${formatDistillLine(e, columns - 1)}\x1b[K${finished ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((10 * e.done) / Math.max(1, e.total));
    if (tenth > shownTenth || finished) {
      shownTenth = finished ? 11 : tenth;
      io.stderr.write(`${formatDistillLine(e, 100)}\n`);
    }
  };
}

import type { WorkerClient } from '../protocol/client.ts';
import type { ProgressEvent } from '../protocol/messages.ts';
import { distillProgressWriter } from './distillProgress.ts';
import { followJob, jobExitStatus } from './followJob.ts';
import type { Values } from './flags.ts';
import { fitColumns, formatDuration, formatLoss, formatProgressLine } from './format.ts';
import { writeJson, type CliIo } from './io.ts';

/** Off a terminal (a log), a progress line at least this often. */
const LOG_INTERVAL_MS = 30_000;

/**
 * Follows a training job (train, resume, a PixelCNN's training): on stderr, the run's id, then a
 * progress bar on a terminal or about 20 lines in a log; with --json, one JSON event a line on
 * stdout instead. Then the outcome, on stdout. Resolves to the exit status.
 */
export async function followTraining(
  client: WorkerClient,
  start: () => Promise<{ jobId: string; runId: string }>,
  values: Values,
  io: CliIo,
): Promise<number> {
  const json = values.json === true;
  const tty = !json && io.stderr.isTTY === true;
  const progressOut = io.stderr;
  let runId = '';
  let last: ProgressEvent | null = null;
  let lastVal: number | undefined;
  let drawnAt = 0;
  let drawn = false;
  const draw = (e: ProgressEvent, force: boolean) => {
    const now = Date.now();
    if (!force && now - drawnAt < 100) return;
    drawnAt = now;
    drawn = true;
    const columns = progressOut.columns !== undefined && progressOut.columns >= 20 ? progressOut.columns : 100;
    progressOut.write(`\r${formatProgressLine(e, columns - 1)}\x1b[K`);
  };
  // Not on a terminal (a log): about 20 lines a run, and at least one every LOG_INTERVAL_MS.
  const every = (total: number) => Math.max(1, Math.round(total / 20));
  let printedAt = Date.now();
  let printedStep = 0;
  const distillProgress = distillProgressWriter(io);

  const outcome = await followJob(
    client,
    async () => {
      const started = await start();
      runId = started.runId;
      if (!json) progressOut.write(`run ${runId}\n`);
      return started;
    },
    io,
    (e) => {
      if (e.kind === 'distill') return distillProgress(e);
      if (e.kind === 'preview' && tty) {
        // The sample after each validation, char-rnn style, above the progress bar.
        const text = fitColumns(e.text.replace(/\n/g, '⏎'), Math.max(20, (progressOut.columns ?? 100) - 16));
        progressOut.write(`\r\x1b[Kstep ${e.step}: ${text}\n`);
        if (last) draw(last, true);
        return;
      }
      if (e.kind !== 'progress') return;
      if (e.valLoss !== undefined) lastVal = e.valLoss;
      if (json) {
        last = e;
        return writeJson(io, e);
      }
      // The bar shows the latest validation loss until the next evaluation.
      if (e.valLoss === undefined && lastVal !== undefined) e = { ...e, valLoss: lastVal };
      last = e;
      if (tty) return draw(e, e.step === e.totalSteps);
      const n = every(e.totalSteps);
      if (Math.floor(e.step / n) > Math.floor(printedStep / n) || e.step === e.totalSteps || Date.now() - printedAt >= LOG_INTERVAL_MS) {
        printedAt = Date.now();
        printedStep = e.step;
        progressOut.write(`${formatProgressLine(e, 100)}\n`);
      }
    },
  );
  const final = last as ProgressEvent | null;
  if (tty && final) draw(final, true);
  if (drawn) progressOut.write('\n');

  const num = (key: string, fallback: number | null): number | null => {
    const v = outcome.summary[key];
    return typeof v === 'number' ? v : fallback;
  };
  const step = num('step', final?.step ?? null);
  const trainLoss = num('trainLoss', final?.trainLoss ?? null);
  const valLoss = num('valLoss', lastVal ?? null);
  const testNll = num('testNllStochastic', null);
  if (json) writeJson(io, { runId, step, trainLoss, valLoss, state: outcome.reason, ...(testNll === null ? {} : { testNllStochastic: testNll }) });
  else if (outcome.reason === 'completed') {
    const took = final ? `, ${formatDuration(final.elapsedSec)}` : '';
    const test = testNll === null ? '' : `, test NLL ${testNll.toFixed(2)} nats/image (stochastic binarization)`;
    io.stdout.write(`completed ${runId}: step ${step ?? '-'}, train loss ${formatLoss(trainLoss)}, val loss ${formatLoss(valLoss)}${test}${took}\n`);
  } else {
    io.stdout.write(`cancelled ${runId} at step ${step ?? '-'} (ars resume --run ${runId} continues it)\n`);
  }
  return jobExitStatus(outcome);
}

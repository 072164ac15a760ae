import { errorInfo } from '../errors.ts';
import { bitsPerDim, natsPerImage } from '../models/pixelcnn.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { saveTrainingCheckpoint, type OwnedModel } from '../runs/checkpointContents.ts';
import { currentProcessOwner } from '../runs/processIdentity.ts';
import type { RunHandle } from '../runs/runStore.ts';
import type { AdamOptimizer } from '../train/adam.ts';
import type { TrainingTask } from '../train/task.ts';
import { Trainer, type LoopSettings } from '../train/trainer.ts';
import { BACKEND_FATAL, injectedAbort, isFatalBackendError, reportFatalBackendError } from './fatalErrors.ts';
import type { PausableJob } from './job.ts';

/** What a training job trains: the run it writes to and the model, optimiser and task it owns. */
export interface TrainingParts {
  run: RunHandle;
  model: OwnedModel;
  optimizer: AdamOptimizer;
  task: TrainingTask;
  config: LoopSettings;
  /** The step training continues from (0 for a new run). */
  startStep: number;
  /** Said before the first event (e.g. a damaged checkpoint passed over). */
  notices: readonly string[];
}

/**
 * The job that trains a run: it records metrics, checkpoints and previews in the run, keeps
 * run.json's state true (training, paused, done, failed) and streams the trainer's events. It
 * owns the model and the optimiser and frees them when its events end; `ended` runs then too.
 */
export function trainingJob(parts: TrainingParts, options: { progressIntervalMs?: number; ended: () => void }): PausableJob {
  const { run, model, optimizer, task, config, startStep, notices } = parts;
  const runId = run.id;
  /**
   * PixelCNN validation NLL also in nats per image and bits per pixel (the loss is mean nats per
   * pixel). Not for a masked image model: its loss is over the masked pixels only, no image's NLL.
   */
  const imageFigures = (valLoss: number | undefined) =>
    task.unit === 'images' && run.meta.model.family === 'pixelcnn' && valLoss !== undefined ? { valNatsPerImage: natsPerImage(valLoss), valBitsPerDim: bitsPerDim(valLoss) } : {};
  const trainer = new Trainer({
    task,
    optimizer,
    config,
    startStep,
    progressIntervalMs: options.progressIntervalMs,
    hooks: {
      recordMetrics: (records) => run.appendMetrics(records.map((r) => ({ ...r, ...imageFigures(r.valLoss) }))),
      saveCheckpoint: (step) => saveTrainingCheckpoint(run, model, optimizer, step),
    },
  });
  return {
    kind: 'train',
    runId,
    pausable: true,
    pause: () => trainer.pause(),
    resume: () => trainer.resume(),
    cancel: () => trainer.cancel(),
    async *events(): AsyncGenerator<JobEvent> {
      try {
        await run.update({ state: 'training', ...currentProcessOwner(), error: null });
        for (const message of notices) yield { kind: 'notice', message };
        for await (const e of trainer.run()) {
          switch (e.kind) {
            case 'progress':
              if (e.valLoss !== undefined) await run.update({ step: e.step, lastTrainLoss: e.trainLoss, lastValLoss: e.valLoss });
              yield { ...e, runId, unit: task.unit, ...imageFigures(e.valLoss), ...(task.unigramEntropy === undefined ? {} : { unigramEntropy: task.unigramEntropy }) };
              break;
            case 'state':
              await run.update({ state: e.state === 'paused' ? 'paused' : 'training' });
              yield e;
              break;
            case 'checkpoint':
              injectedAbort(e.step);
              yield { kind: 'checkpoint', runId, step: e.step };
              break;
            case 'notice':
              yield e;
              break;
            case 'preview': {
              const preview = { step: e.step, ...e.preview };
              // Kept with the run for its replay; a preview that cannot be saved costs only itself.
              await run.appendPreview(preview).catch(() => undefined);
              if ('text' in preview) yield { kind: 'preview', runId, step: e.step, text: preview.text };
              else yield { kind: 'image-preview', runId, step: e.step, samples: preview.samples, images: preview.images as Uint8Array<ArrayBuffer> };
              break;
            }
            case 'done':
              await run.update({
                state: e.reason === 'completed' ? 'completed' : 'cancelled',
                step: e.step,
                lastTrainLoss: e.trainLoss,
                lastValLoss: e.valLoss ?? run.meta.lastValLoss,
                pid: null,
                pidStart: null,
              });
              yield { kind: 'done', reason: e.reason, summary: { runId, step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss } };
              break;
          }
        }
      } catch (err) {
        if (isFatalBackendError(err)) {
          // The backend is unusable, not the run: it is left interrupted (resume continues from its
          // last checkpoint) and the worker restarts (fatalErrors.ts).
          const interrupted = { state: 'interrupted' as const, error: null, pid: null, pidStart: null };
          await run.update(interrupted).catch(() => run.assume(interrupted));
          reportFatalBackendError(err);
          yield { kind: 'error', code: BACKEND_FATAL, message: `${errorInfo(err).message}: the compute backend failed and the worker restarts; run ${runId} is interrupted — resume it to continue from its last checkpoint` };
          return;
        }
        const info = errorInfo(err);
        const failed = { state: 'failed' as const, error: info.message, pid: null, pidStart: null };
        // A folder that cannot be written (read-only, full) still reports the failure in this process.
        await run.update(failed).catch(() => run.assume(failed));
        yield { kind: 'error', ...info };
      } finally {
        options.ended();
        model.dispose();
        optimizer.dispose();
      }
    },
  };
}

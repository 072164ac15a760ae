import { createRng, type Rng } from '../rng.ts';
import type { AdamOptimizer } from './adam.ts';
import { learningRate, type ScheduleName } from './schedule.ts';
import { optimizationStep } from './step.ts';
import type { TrainingTask } from './task.ts';
import type { TrainingPreview } from '../generate/trainingPreview.ts';

/** The optimisation settings every training run shares (text or images). */
/** Previews faster than this are taken at every validation; slower ones are spaced out. */
const PREVIEW_FREE_MS = 100;

export interface LoopSettings {
  steps: number;
  lr: number;
  schedule: ScheduleName;
  warmupSteps: number;
  clipNorm: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}

export interface StepMetric {
  step: number;
  time: number;
  trainLoss: number;
  valLoss?: number;
  /** Mask-predict runs, at each validation: the loss with half of each window hidden. */
  maskedLoss50?: number;
  /** Units (tokens or images, see the task) per second. */
  tokensPerSec: number;
  lr: number;
}

export type TrainerEvent =
  | {
      kind: 'progress';
      step: number;
      totalSteps: number;
      trainLoss: number;
      valLoss?: number;
      maskedLoss50?: number;
      tokensPerSec: number;
      lr: number;
      elapsedSec: number;
      etaSec: number;
    }
  | { kind: 'state'; state: 'running' | 'paused' }
  | { kind: 'checkpoint'; step: number }
  /** Something the person should know that does not stop training. */
  | { kind: 'notice'; message: string }
  /** A sample from the model after a validation step (tasks with a preview). */
  | { kind: 'preview'; step: number; preview: TrainingPreview }
  | { kind: 'done'; reason: 'completed' | 'cancelled'; step: number; trainLoss: number | null; valLoss: number | null };

export interface TrainerHooks {
  /** Persists model + optimizer at `step` (called on the checkpoint cadence, at the end and on cancel). */
  saveCheckpoint(step: number): Promise<void>;
  /** Appends metric records (batched). */
  recordMetrics(records: StepMetric[]): Promise<void>;
}

export interface TrainerOptions {
  task: TrainingTask;
  optimizer: AdamOptimizer;
  config: LoopSettings;
  /** Steps already done (0 for a new run; the checkpoint's step when resuming). */
  startStep: number;
  hooks: TrainerHooks;
  /** Minimum time between progress events (ms); validation and final steps always report. */
  progressIntervalMs?: number;
  /**
   * Longest time (ms) step metrics wait before they are recorded (default 1000); also recorded
   * every 200 steps and at each checkpoint. A page that follows the run from its stored metrics
   * then misses at most this much of the curve.
   */
  metricsFlushMs?: number;
}

/**
 * The training loop: Adam, global-norm clipping, warm-up + schedule, periodic validation and
 * checkpoints, progress events; can be paused, resumed and cancelled between steps.
 */
export class Trainer {
  private paused = false;
  private cancelled = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: TrainerOptions) {}

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }

  async *run(): AsyncGenerator<TrainerEvent> {
    const { task, config, hooks } = this.options;
    task.check();
    const interval = this.options.progressIntervalMs ?? 100;
    const flushInterval = this.options.metricsFlushMs ?? 1000;
    const tokensPerStep = task.unitsPerStep;
    // A different batch stream after a resume, but reproducible for the same (seed, start step).
    const rng = createRng((config.seed * 1_000_003 + this.options.startStep) >>> 0);
    const started = performance.now();
    let recentStepSec = 0;
    let lastReport = -Infinity;
    let lastTrainLoss: number | null = null;
    let lastValLoss: number | null = null;
    let pending: StepMetric[] = [];
    // The first step's record is written at once (a page that reloads a second into a fast run
    // refills its curve from the start); then at least every flushInterval.
    let lastFlush = -Infinity;
    let step = this.options.startStep;
    let savedStep = this.options.startStep;
    let previewAllowedAt = 0;
    let previewsOff = false;

    const flush = async () => {
      if (pending.length > 0) {
        const records = pending;
        pending = [];
        lastFlush = performance.now();
        await hooks.recordMetrics(records);
      }
    };
    const checkpoint = async function* (this: Trainer) {
      await flush();
      if (step > savedStep) {
        await hooks.saveCheckpoint(step);
        savedStep = step;
        yield { kind: 'checkpoint', step } as TrainerEvent;
      }
    }.bind(this);

    while (step < config.steps && !this.cancelled) {
      if (this.paused) {
        await flush();
        yield { kind: 'state', state: 'paused' };
        while (this.paused && !this.cancelled) await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        if (this.cancelled) break;
        yield { kind: 'state', state: 'running' };
      }
      const t0 = performance.now();
      step++;
      const lr = learningRate(step, config.lr, config.steps, config.warmupSteps, config.schedule);
      const trainLoss = await this.trainStep(rng, lr);
      const dt = (performance.now() - t0) / 1000;
      recentStepSec = recentStepSec === 0 ? dt : 0.9 * recentStepSec + 0.1 * dt;
      lastTrainLoss = trainLoss;
      const isEval = step % config.evalEvery === 0 || step === config.steps;
      let valLoss: number | undefined;
      if (isEval) lastValLoss = valLoss = await task.validationLoss();
      const halfMasked = isEval && task.maskedLoss50 ? { maskedLoss50: await task.maskedLoss50() } : {};
      const tokensPerSec = tokensPerStep / recentStepSec;
      pending.push({ step, time: Date.now(), trainLoss, valLoss, ...halfMasked, tokensPerSec, lr });
      const now = performance.now();
      if (isEval || now - lastReport >= interval || step === config.steps) {
        lastReport = now;
        yield {
          kind: 'progress',
          step,
          totalSteps: config.steps,
          trainLoss,
          valLoss,
          ...halfMasked,
          tokensPerSec,
          lr,
          elapsedSec: (now - started) / 1000,
          etaSec: (config.steps - step) * recentStepSec,
        };
      }
      if (isEval && task.preview && !previewsOff && (step === config.steps || performance.now() >= previewAllowedAt)) {
        const p0 = performance.now();
        let preview: TrainingPreview | null = null;
        try {
          preview = await task.preview();
        } catch (err) {
          // A preview is a view of the model, not part of training: it stops, training goes on.
          previewsOff = true;
          yield { kind: 'notice', message: `Stopped showing samples while training: ${(err as Error).message}` };
        }
        if (preview) {
          const took = performance.now() - p0;
          // A slow preview (a big PixelCNN) may take at most a sixth of the time: skip validations until then.
          previewAllowedAt = took > PREVIEW_FREE_MS ? performance.now() + 5 * took : 0;
          yield { kind: 'preview', step, preview };
        }
      }
      if (pending.length >= 200 || performance.now() - lastFlush >= flushInterval) await flush();
      if (step % config.checkpointEvery === 0) yield* checkpoint();
      // Let messages (pause, cancel, other clients) through between steps.
      await new Promise((r) => setTimeout(r, 0));
    }
    yield* checkpoint();
    yield {
      kind: 'done',
      reason: step >= config.steps ? 'completed' : 'cancelled',
      step,
      trainLoss: lastTrainLoss,
      valLoss: lastValLoss,
    };
  }

  /** Forward, backward, clip, Adam on one random batch. Returns the batch loss. */
  private async trainStep(rng: Rng, lr: number): Promise<number> {
    const { task, optimizer, config } = this.options;
    const loss = await optimizationStep(task.weights, () => task.trainLoss(rng), optimizer, lr, config.clipNorm);
    if (!Number.isFinite(loss)) throw new Error(`the training loss became ${loss}: lower the learning rate`);
    return loss;
  }
}

import type { JobEvent, JobSummary, ProgressEvent, RunDetail } from '../../../../core/protocol/messages.ts';
import { addLivePoint, plotStep, type Point } from '../points.ts';
import { JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { view, type Tab } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

export type TrainPhase = 'idle' | 'starting' | 'running' | 'paused' | 'stopping';

/** The worker's reply to train.start, train.resume or image.train.start. */
type StartedJob = { jobId: string; runId: string; pausable: boolean };

/** The newest validation NLL of a PixelCNN run. */
export interface ImageEvaluation {
  step: number;
  natsPerImage: number;
  bitsPerDim: number;
}

/**
 * Training-loss points the live chart keeps at most: beyond, every other point goes (the first and
 * the last stay), so a run of any length redraws within a frame (re-aligning 100,000 points took
 * ~50–100 ms a frame here). A chart is ~1,000 px wide; TensorBoard keeps 1,000 points a scalar.
 */
const MAX_LIVE_POINTS = 20_000;

/**
 * One live training job as the monitor shows it: its curves, progress, pause, resume and stop.
 * The Text lab and the Image lab each hold one (the forms that start them differ).
 */
export class TrainingJob {
  phase = $state<TrainPhase>('idle');
  runId = $state<string | null>(null);
  /** The curves, grown in place (not proxied: a long run has 100,000s of points); `revision` changes with them. */
  trainPoints = $state.raw<Point[]>([]);
  valPoints = $state.raw<Point[]>([]);
  revision = $state(0);
  progress = $state.raw<ProgressEvent | null>(null);
  /** PixelCNN runs: the newest validation NLL in nats per image and bits per dimension. */
  evaluation = $state.raw<ImageEvaluation | null>(null);
  totalSteps = $state(0);
  checkpointStep = $state<number | null>(null);
  /** Text models: the newest sample taken after a validation, and the step it was taken at. */
  latestSample = $state.raw<{ step: number; text: string } | null>(null);
  /** PixelCNN runs: the newest images sampled after a validation (samples × 784 bits). */
  latestImages = $state.raw<{ step: number; samples: number; images: Uint8Array } | null>(null);
  /** A distilled run's first phase: characters of distillation text written so far, of the total. */
  distill = $state.raw<{ done: number; total: number } | null>(null);
  /** How the last job ended, in words. */
  outcome = $state<string | null>(null);
  /**
   * Whether the job can pause, as the worker said when it started it; null before a job has
   * started. The monitor shows Pause and Resume only where it is not false.
   */
  pausable = $state<boolean | null>(null);
  /** The job's place in the worker's training queue (1: next), while it waits; null once it runs. */
  queuePosition = $state<number | null>(null);
  /** Text runs: the unigram entropy of the training text (the chart's dashed baseline). */
  unigramEntropy = $state<number | null>(null);

  private readonly job = new JobFollower();

  constructor(
    /** What throughput counts: characters (text) or images (PixelCNN). */
    readonly unit: 'tokens' | 'images',
    /** The tab that shows this job. */
    private readonly tab: Tab,
  ) {}

  /** The newest validation loss drawn. */
  get lastValLoss(): number | undefined {
    void this.revision;
    return this.valPoints.at(-1)?.y;
  }

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Starts a job with `request` (a train.start-like call); `totalSteps` sizes the chart until progress arrives. */
  protected async launch(request: () => Promise<StartedJob>, totalSteps: number, failure: string): Promise<boolean> {
    this.reset(totalSteps);
    this.phase = 'starting';
    try {
      this.attach(await request());
      return true;
    } catch (err) {
      this.phase = 'idle';
      notices.error(err, failure);
      return false;
    }
  }

  /** Continues a stored run: its curve so far is drawn first. */
  async resume(run: RunDetail, extraSteps: number): Promise<void> {
    if (this.busy) {
      notices.error(new Error(t('training.stopCurrentFirst')), t('training.cannotResume'));
      return;
    }
    view.tab = this.tab;
    this.reset(run.totalSteps + extraSteps);
    this.drawSoFar(run);
    this.phase = 'starting';
    try {
      this.attach(await worker.request('train.resume', { runId: run.id, extraSteps }));
    } catch (err) {
      this.phase = 'idle';
      notices.error(err, t('training.couldNotResumeRun'));
    }
  }

  /**
   * Follows a training the worker is already running (this page reloaded, or another page started
   * it): its curve so far comes from the run's stored metrics, then its events continue it.
   */
  async follow(summary: JobSummary, run: RunDetail): Promise<void> {
    if (this.busy) return;
    this.reset(summary.progress?.totalSteps ?? run.totalSteps);
    this.drawSoFar(run);
    this.progress = summary.progress ?? null;
    this.queuePosition = summary.position ?? null;
    this.phase = 'starting';
    try {
      const attached = await worker.request('job.attach', { jobId: summary.jobId });
      this.attach({ jobId: summary.jobId, runId: summary.runId, pausable: attached.pausable });
      // Where it stands now (steps taken since the run was read fill the gap; none is drawn twice).
      this.queuePosition = attached.position ?? null;
      if (attached.progress) this.handle(attached.progress);
      if (attached.state === 'paused') this.phase = 'paused';
    } catch {
      this.phase = 'idle'; // it ended meanwhile: the run list shows how
    }
  }

  /** Whether the job waits in the worker's training queue (it can be cancelled there, not paused). */
  get queued(): boolean {
    return this.queuePosition !== null && (this.phase === 'running' || this.phase === 'stopping');
  }

  async pause(): Promise<void> {
    if (!this.job.id || this.phase !== 'running' || this.pausable === false || this.queued) return;
    if ((await this.job.control('job.pause', t('training.couldNotPause'))) && this.phase === 'running') this.phase = 'paused';
  }

  async resumeJob(): Promise<void> {
    if (!this.job.id || this.phase !== 'paused') return;
    if ((await this.job.control('job.resume', t('training.couldNotResume'))) && this.phase === 'paused') this.phase = 'running';
  }

  async stop(): Promise<void> {
    if (!this.job.id || (this.phase !== 'running' && this.phase !== 'paused')) return;
    this.phase = 'stopping';
    await this.job.control('job.cancel', t('training.couldNotStop'));
  }

  /** After a (re)connection: the jobs of an old connection are gone. */
  connected(): void {
    if (this.phase === 'idle' || !this.job.stale) return;
    this.outcome = t('training.connectionLost');
    this.finish();
  }

  /** Called once a job has started, with the run it trains. */
  protected attached(_runId: string): void {}

  /** The stored metrics of a run, drawn before its live progress. */
  private drawSoFar(run: RunDetail): void {
    for (const m of run.metrics) {
      if (m.trainLoss !== undefined) this.trainPoints.push({ x: m.step, y: m.trainLoss });
      if (m.valLoss !== undefined) this.valPoints.push({ x: m.step, y: m.valLoss });
      this.revision++;
      if (m.valNatsPerImage !== undefined && m.valBitsPerDim !== undefined) {
        this.evaluation = { step: m.step, natsPerImage: m.valNatsPerImage, bitsPerDim: m.valBitsPerDim };
      }
    }
    this.checkpointStep = run.checkpointStep;
    this.unigramEntropy = run.unigramEntropy ?? null;
  }

  private reset(totalSteps: number): void {
    this.queuePosition = null;
    this.trainPoints = [];
    this.valPoints = [];
    this.progress = null;
    this.evaluation = null;
    this.outcome = null;
    this.checkpointStep = null;
    this.latestSample = null;
    this.latestImages = null;
    this.distill = null;
    this.pausable = null;
    this.unigramEntropy = null;
    this.totalSteps = totalSteps;
  }

  private attach({ jobId, runId, pausable }: StartedJob): void {
    this.runId = runId;
    this.pausable = pausable;
    this.phase = 'running';
    this.attached(runId);
    this.job.follow(jobId, t('training.failedTitle'), {
      event: (e) => this.handle(e),
      done: (e) => {
        const step = this.progress?.step ?? 0;
        if (this.queuePosition !== null && e.reason !== 'completed') this.outcome = t('training.cancelledInQueue');
        else this.outcome = e.reason === 'completed' ? t('training.completed', { step }) : t('training.stoppedAt', { step });
        this.finish();
      },
      failed: () => {
        this.outcome = t('training.failed');
        this.finish();
      },
    });
    void runs.refresh();
  }

  private handle(e: JobEvent): void {
    switch (e.kind) {
      case 'queued':
        this.queuePosition = e.position;
        break;
      case 'progress':
        this.queuePosition = null;
        this.progress = e;
        this.totalSteps = e.totalSteps;
        // A long run: every other point goes once there are many (the chart has far fewer pixels).
        this.trainPoints = addLivePoint(this.trainPoints, { x: e.step, y: e.trainLoss }, MAX_LIVE_POINTS);
        if (e.valLoss !== undefined) plotStep(this.valPoints, { x: e.step, y: e.valLoss });
        this.revision++;
        if (e.unigramEntropy !== undefined) this.unigramEntropy = e.unigramEntropy;
        if (e.valNatsPerImage !== undefined && e.valBitsPerDim !== undefined) {
          this.evaluation = { step: e.step, natsPerImage: e.valNatsPerImage, bitsPerDim: e.valBitsPerDim };
        }
        break;
      case 'state':
        this.queuePosition = null;
        if (this.phase !== 'stopping') this.phase = e.state === 'paused' ? 'paused' : 'running';
        break;
      case 'checkpoint':
        // The run can now be sampled: the Sample panel and the Runs table read the runs again.
        if (this.checkpointStep === null) void runs.refresh();
        this.checkpointStep = e.step;
        break;
      case 'preview':
        this.latestSample = { step: e.step, text: e.text };
        break;
      case 'distill':
        this.distill = { done: e.done, total: e.total };
        break;
      case 'image-preview':
        this.latestImages = { step: e.step, samples: e.samples, images: e.images };
        break;
      default:
        break;
    }
  }

  private finish(): void {
    this.job.release();
    this.queuePosition = null;
    this.phase = 'idle';
    void runs.refresh();
  }
}

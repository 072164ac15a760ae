import type { JobEvent, RunSummary } from '../../../../core/protocol/messages.ts';
import { downloadGif, downloadPng } from '../download.ts';
import { frameBatch } from '../frameBatch.ts';
import { pixelSampleParams, type KnownInput, type PixelSampleForm } from '../imageForm.ts';
import {
  applySampleEvent,
  EXPORT_PALETTE,
  exportName,
  FillRecorder,
  gridIndices,
  newSampleBuffers,
  type CurrentPixel,
  type SampleBuffers,
} from '../pixelSamples.ts';
import { endingWith, JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { view } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

/** The PixelCNN run the Image lab completes drawings with and samples from. */
class ImageRunChoice {
  /** null: the newest PixelCNN run with a checkpoint. */
  runId = $state<string | null>(null);

  /** PixelCNN runs with a checkpoint to sample from. */
  get choices(): RunSummary[] {
    return runs.list.filter((r) => r.model.family === 'pixelcnn' && r.checkpointStep !== null);
  }

  get run(): RunSummary | undefined {
    const choices = this.choices;
    return choices.find((r) => r.id === this.runId) ?? choices[0];
  }

  /** Brings the Image lab up with `runId` chosen (from the Runs tab). */
  from(runId: string): void {
    this.runId = runId;
    view.tab = 'images';
  }
}

export const imageRun = new ImageRunChoice();

export type SamplePhase = 'idle' | 'starting' | 'running' | 'stopping';

/** What the screen shows of the samples, refreshed once per animation frame. */
export interface SampleStatus {
  samples: number;
  drawn: number;
  total: number;
  current: CurrentPixel | null;
  nll: number[] | null;
  bitsPerDim: number[] | null;
  elapsedMs: number | null;
  finished: boolean;
}

/**
 * K PixelCNN samples or completions as they fill in. Events land in plain buffers at once;
 * the screen is told once per animation frame (`frame`), so hundreds of pixel events a second
 * cost one redraw a frame.
 */
export class PixelSampler {
  form = $state<PixelSampleForm>({ samples: 4, seed: 1, method: 'fast', temperature: 1 });
  phase = $state<SamplePhase>('idle');
  /** Bumped after every batch of events: the canvases redraw when it changes. */
  frame = $state(0);
  status = $state.raw<SampleStatus | null>(null);
  /** How the last job ended, in words. */
  outcome = $state<string | null>(null);
  /** The run the shown samples came from. */
  sampledRun = $state.raw<RunSummary | null>(null);

  /** The samples being drawn (not reactive: read it after reading `frame`). */
  buffers: SampleBuffers | null = null;
  private recorder: FillRecorder | null = null;
  private readonly job = new JobFollower();
  private readonly batch = frameBatch(() => this.flush());

  constructor(
    /** The largest K this panel offers. */
    readonly maxSamples: number,
    /** 'completion' or 'samples': what saved files are called. */
    readonly kind: string,
    defaults: Partial<PixelSampleForm> = {},
  ) {
    Object.assign(this.form, defaults);
  }

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Whether a GIF of the fill-in can be saved. */
  get canSaveGif(): boolean {
    void this.frame;
    return (this.recorder?.size ?? 0) > 1;
  }

  /** Starts K samples: completions of `known`, or unconditional samples when it is null. */
  async start(known: KnownInput | null): Promise<void> {
    if (this.busy) return;
    const run = imageRun.run;
    const req = pixelSampleParams(run?.id ?? null, $state.snapshot(this.form), known, this.maxSamples);
    if (!req.ok) {
      notices.error(new Error(req.message), t('sampling.checkSettings'));
      return;
    }
    const K = req.params.options.samples!;
    const buffers = newSampleBuffers(K, known);
    if (buffers.unknownTotal === 0) {
      notices.error(new Error(t('sampling.everyPixelKnown')), t('sampling.nothingToComplete'));
      return;
    }
    this.buffers = buffers;
    this.recorder = new FillRecorder(FillRecorder.cadence(buffers.unknownTotal));
    this.recorder.record(buffers, true);
    this.sampledRun = run ?? null;
    this.outcome = null;
    this.phase = 'starting';
    this.flush();
    await this.job.start(() => worker.request('image.sample.start', req.params), { startFailure: t('sampling.couldNotStart'), failure: t('sampling.failed') }, {
      started: () => (this.phase = 'running'),
      event: (e) => this.handle(e),
      ...endingWith({ completed: t('jobs.done'), cancelled: t('jobs.stopped'), failed: t('sampling.failedLine') }, (line) => this.finish(line)),
      notStarted: () => {
        this.phase = 'idle';
        this.outcome = t('jobs.couldNotStart');
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.job.id || this.phase !== 'running') return;
    this.phase = 'stopping';
    await this.job.control('job.cancel', t('sampling.couldNotStop'));
  }

  /** After a (re)connection: the jobs of an old connection are gone. */
  connected(): void {
    if (this.phase === 'idle' || !this.job.stale) return;
    this.finish(t('jobs.connectionLost'));
  }

  private handle(e: JobEvent): void {
    const b = this.buffers;
    if (!b) return;
    if (applySampleEvent(b, e)) {
      if (e.kind === 'pixel') this.recorder?.record(b);
      if (e.kind === 'images') this.recorder?.record(b, true);
      this.batch.request();
    }
  }

  private finish(outcome: string): void {
    this.outcome = outcome;
    this.job.release();
    this.phase = 'idle';
    this.batch.flushNow();
  }

  private flush(): void {
    const b = this.buffers;
    this.status = b
      ? {
          samples: b.samples,
          drawn: b.drawnCount,
          total: b.unknownTotal,
          current: b.current,
          nll: b.nll,
          bitsPerDim: b.bitsPerDim,
          elapsedMs: b.elapsedMs,
          finished: b.finished,
        }
      : null;
    this.frame += 1;
  }

  // ------------------------------------------------------------ saving

  private get snapshot() {
    const b = this.buffers;
    return b ? { images: b.images, drawn: b.drawn } : null;
  }

  /** Saves sample `k` as a PNG (10 screen pixels a pixel). */
  async saveSample(k: number): Promise<void> {
    const b = this.buffers;
    const snap = this.snapshot;
    if (!b || !snap) return;
    try {
      const image = gridIndices(snap, b.known, b.samples, { only: k, scale: 10, tint: false });
      await downloadPng(image, EXPORT_PALETTE, exportName(this.kind, String(k + 1), this.sampledRun?.name));
    } catch (err) {
      notices.error(err, t('sampling.couldNotSavePicture'));
    }
  }

  /** Saves all K samples in one grid PNG. */
  async saveGrid(): Promise<void> {
    const b = this.buffers;
    const snap = this.snapshot;
    if (!b || !snap) return;
    try {
      const image = gridIndices(snap, b.known, b.samples, { scale: 8, tint: false });
      await downloadPng(image, EXPORT_PALETTE, exportName(this.kind, `grid-${b.samples}`, this.sampledRun?.name));
    } catch (err) {
      notices.error(err, t('sampling.couldNotSaveGrid'));
    }
  }

  /** Saves the fill-in as an animated GIF (known ink black, the model's ink blue, pixels to come grey). */
  saveGif(): void {
    const b = this.buffers;
    if (!b || !this.recorder) return;
    try {
      downloadGif(this.recorder.toGif(b.known, b.samples, { scale: b.samples > 16 ? 2 : 4 }), exportName(this.kind, 'fill-in', this.sampledRun?.name));
    } catch (err) {
      notices.error(err, t('sampling.couldNotSaveAnimation'));
    }
  }
}

/** Completions of the drawing: K from 1 to 16, side by side. */
export const completion = new PixelSampler(16, 'completion');
/** Unconditional samples in a grid: up to 64. */
export const unconditional = new PixelSampler(64, 'samples', { samples: 16, seed: 7 });

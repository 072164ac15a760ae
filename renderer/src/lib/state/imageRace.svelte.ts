import { DEFAULT_CHOICE_NOISE } from '../../../../core/protocol/schemas.ts';
import type { JobEvent, RunSummary } from '../../../../core/protocol/messages.ts';
import { frameBatch } from '../frameBatch.ts';
import type { KnownInput } from '../imageForm.ts';
import { applyRaceEvent, imageRaceParams, newRaceLanes, type ImageRaceForm, type RaceLaneView } from '../imageRace.ts';
import { endingWith, JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { view } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

/**
 * The Image lab's image race: a PixelCNN run against a masked image run on the drawing, K
 * completions per lane, lanes animated as their frames arrive (redrawn once per animation frame).
 */
class ImageRace {
  form = $state<ImageRaceForm>({ samples: 4, iterations: 8, seed: 1, choiceNoise: DEFAULT_CHOICE_NOISE });
  /** null: the newest run of that kind with a checkpoint. */
  arRunId = $state<string | null>(null);
  narRunId = $state<string | null>(null);
  phase = $state<'idle' | 'starting' | 'running' | 'stopping'>('idle');
  /** Bumped after every batch of events: the canvases redraw when it changes. */
  frame = $state(0);
  outcome = $state<string | null>(null);
  /** The lanes being drawn (not reactive: read them after reading `frame`). */
  lanes: RaceLaneView[] = [];
  /** 784: the known pixels of the drawing raced. */
  known: Uint8Array = new Uint8Array(784);
  samples = $state(0);
  private readonly job = new JobFollower();
  private readonly batch = frameBatch(() => (this.frame += 1));

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  get arChoices(): RunSummary[] {
    return runs.list.filter((r) => r.model.family === 'pixelcnn' && r.checkpointStep !== null);
  }

  get narChoices(): RunSummary[] {
    return runs.list.filter((r) => r.model.family === 'masked-image' && r.checkpointStep !== null);
  }

  get arRun(): RunSummary | undefined {
    return this.arChoices.find((r) => r.id === this.arRunId) ?? this.arChoices[0];
  }

  get narRun(): RunSummary | undefined {
    return this.narChoices.find((r) => r.id === this.narRunId) ?? this.narChoices[0];
  }

  /** Brings the Image lab up with masked run `runId` chosen for the race (from the Runs tab). */
  from(runId: string): void {
    this.narRunId = runId;
    view.tab = 'images';
  }

  async start(known: KnownInput): Promise<void> {
    if (this.busy) return;
    const form = $state.snapshot(this.form);
    const req = imageRaceParams(this.arRun?.id ?? null, this.narRun?.id ?? null, form, known);
    if (!req.ok) {
      notices.error(new Error(req.message), t('imageRace.checkSettings'));
      return;
    }
    this.lanes = newRaceLanes(form.samples, form.iterations, known);
    this.known = Uint8Array.from(known.mask);
    this.samples = form.samples;
    this.outcome = null;
    this.phase = 'starting';
    this.frame += 1;
    await this.job.start(() => worker.request('images.race', req.params), { startFailure: t('imageRace.couldNotStart'), failure: t('imageRace.failed') }, {
      started: () => (this.phase = 'running'),
      event: (e: JobEvent) => {
        if (applyRaceEvent(this.lanes, e)) this.batch.request();
      },
      ...endingWith({ completed: t('jobs.done'), cancelled: t('jobs.stopped'), failed: t('imageRace.failedLine') }, (line) => this.finish(line)),
      notStarted: () => {
        this.phase = 'idle';
        this.outcome = t('jobs.couldNotStart');
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.job.id || this.phase !== 'running') return;
    this.phase = 'stopping';
    await this.job.control('job.cancel', t('imageRace.couldNotStop'));
  }

  /** After a (re)connection: the jobs of an old connection are gone. */
  connected(): void {
    if (this.phase === 'idle' || !this.job.stale) return;
    this.finish(t('jobs.connectionLost'));
  }

  private finish(outcome: string): void {
    this.outcome = outcome;
    this.job.release();
    this.phase = 'idle';
    this.batch.flushNow();
  }
}

export const imageRace = new ImageRace();

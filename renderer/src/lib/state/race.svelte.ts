import { defaultDraft, type RaceOptions } from '../../../../core/protocol/schemas.ts';
import { Methods, type FrontierPoint, type JobEvent, type LaneResult, type ParamsOf, type RunSummary } from '../../../../core/protocol/messages.ts';
import { logLogSlope, type Point } from '../points.ts';
import { applyLaneEvent, defaultArRun, draftForDrafter, laneLabel, orderDrafters, LANES, newLaneView, scalingLengths, SLOW_SCALING_LENGTH, type LaneView, type RaceLane } from '../race.ts';
import { paramsProblem } from '../messages.ts';
import { endingWith, JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

type RaceParams = ParamsOf<'race.start'> & { options: ParamsOf<'race.start'>['options'] };

/** What the race form holds. */
export interface RaceForm {
  /** The AR Transformer run and the NAR (mask-predict) run; null = the first that fits. */
  arRunId: string | null;
  narRunId: string | null;
  /** What drafts for the hybrid: an AR Transformer run on the same text, or null for the NAR run. */
  drafterRunId: string | null;
  prompt: string;
  length: number;
  seed: number;
  temperature: number;
  topK: number;
  topP: number;
  iterations: number;
  draft: number;
  lanes: Record<RaceLane, boolean>;
}

export type JobPhase = 'idle' | 'starting' | 'running' | 'stopping';

export interface ScalingPoint {
  lane: RaceLane;
  length: number;
  ms: number;
  steps: number;
}

export interface ScalingSeries {
  lane: RaceLane;
  label: string;
  points: Point[];
  /** The fitted exponent p in latency ∝ length^p; null until two lengths are measured. */
  slope: number | null;
}

/** The settings a race (or a scaling measurement) was started with, for its labels. */
interface Raced {
  arRunId: string;
  narRunId: string;
  prompt: string;
  length: number;
  iterations: number;
  draft: number;
}

const hasCheckpoint = (r: RunSummary) => r.checkpointStep !== null;

/** The Race: AR and NAR strategies writing the same text side by side, and latency against length. */
class Race {
  form = $state<RaceForm>({
    arRunId: null,
    narRunId: null,
    drafterRunId: null,
    prompt: '',
    length: 64,
    seed: 1,
    temperature: 0.8,
    topK: 0,
    topP: 1,
    iterations: 4,
    draft: defaultDraft(false),
    lanes: { 'ar-naive': true, 'ar-cache': true, 'nar-1': true, 'nar-k': true, hybrid: true },
  });

  phase = $state<JobPhase>('idle');
  lanes = $state<LaneView[]>([]);
  results = $state.raw<LaneResult[] | null>(null);
  /** How the last race ended, in words. */
  outcome = $state<string | null>(null);
  raced = $state.raw<Raced | null>(null);
  /** The quality–speed frontier measured after the race, point by point, and how many points it will have. */
  frontier = $state<FrontierPoint[]>([]);
  frontierTotal = $state(0);

  scalingMax = $state(256);
  scalingPhase = $state<JobPhase>('idle');
  scalingLengths = $state.raw<number[]>([]);
  scalingLanes = $state.raw<RaceLane[]>([]);
  scalingPoints = $state<ScalingPoint[]>([]);
  scalingOutcome = $state<string | null>(null);
  scalingSettings = $state.raw<Raced | null>(null);

  private readonly job = new JobFollower();
  private readonly scalingJob = new JobFollower();

  // ------------------------------------------------------------ the two runs

  /** Runs that can drive the AR lanes: autoregressive Transformers with a checkpoint. */
  get arChoices(): RunSummary[] {
    return runs.list.filter((r) => r.model.family === 'transformer' && hasCheckpoint(r));
  }

  get ar(): RunSummary | undefined {
    const choices = this.arChoices;
    return choices.find((r) => r.id === this.form.arRunId) ?? defaultArRun(choices);
  }

  /** NAR runs trained on the same text as the chosen AR run. */
  get narChoices(): RunSummary[] {
    const dataset = this.ar?.dataset;
    return runs.list.filter((r) => r.model.family === 'maskPredict' && hasCheckpoint(r) && (dataset === undefined || r.dataset === dataset));
  }

  /** NAR runs left out because they were trained on another text. */
  get narElsewhere(): RunSummary[] {
    const dataset = this.ar?.dataset;
    return dataset === undefined ? [] : runs.list.filter((r) => r.model.family === 'maskPredict' && hasCheckpoint(r) && r.dataset !== dataset);
  }

  get nar(): RunSummary | undefined {
    const choices = this.narChoices;
    return choices.find((r) => r.id === this.form.narRunId) ?? choices[0];
  }

  /** AR Transformer runs on the same text that can draft for the hybrid (besides the NAR run), those distilled from the chosen AR run first. */
  get drafterChoices(): RunSummary[] {
    const ar = this.ar;
    return orderDrafters(
      this.arChoices.filter((r) => ar === undefined || r.dataset === ar.dataset),
      ar?.id,
    );
  }

  /** Chooses what drafts for the hybrid (null: the NAR run), and with it the draft length's default (draftForDrafter). */
  setDrafter(runId: string | null): void {
    this.form.draft = draftForDrafter(this.form.draft, this.drafter !== undefined, runId !== null);
    this.form.drafterRunId = runId;
  }

  /** The AR run chosen to draft; undefined when the NAR run drafts. */
  get drafter(): RunSummary | undefined {
    return this.form.drafterRunId === null ? undefined : this.drafterChoices.find((r) => r.id === this.form.drafterRunId);
  }

  /** Whether the race's job is past its lanes, measuring the frontier. */
  get measuringFrontier(): boolean {
    return this.phase === 'running' && this.results !== null;
  }

  get selectedLanes(): RaceLane[] {
    return LANES.filter((l) => this.form.lanes[l]);
  }

  /** Why a race cannot start now (null when it can). */
  /** Something else the race waits for ("Train a pair" still training), as a reason; null: nothing. */
  waitFor = $state<(() => string | null) | null>(null);

  get blocker(): string | null {
    const waiting = this.waitFor?.();
    if (waiting) return waiting;
    if (!this.ar) return t('race.blockerAr');
    if (!this.nar)
      return this.narElsewhere.length
        ? t('race.blockerNarDataset', { dataset: this.ar.dataset })
        : t('race.blockerNar');
    if (this.selectedLanes.length === 0) return t('race.blockerLanes');
    return null;
  }

  get busy(): boolean {
    return this.phase !== 'idle' || this.scalingPhase !== 'idle';
  }

  // ------------------------------------------------------------ the race

  async start(): Promise<void> {
    if (this.busy) return;
    const req = this.request();
    if (!req.ok) {
      notices.error(new Error(req.message), t('race.checkSettings'));
      return;
    }
    const { arRunId, narRunId, options } = req.params;
    const o = req.options;
    const settings = { iterations: o.iterations, draft: o.draft };
    this.lanes = (options.lanes ?? [...LANES]).map((lane) => newLaneView(lane, o.length, settings));
    this.results = null;
    this.frontier = [];
    this.frontierTotal = 0;
    this.outcome = null;
    this.raced = { arRunId, narRunId, prompt: o.prompt, length: o.length, ...settings };
    this.phase = 'starting';
    await this.job.start(() => worker.request('race.start', req.params), { startFailure: t('race.couldNotStart'), failure: t('race.failed') }, {
      started: () => (this.phase = 'running'),
      event: (e) => this.handle(e),
      ...endingWith({ completed: t('race.finished'), cancelled: t('race.wasStopped'), failed: t('race.failedLine') }, (line) => this.finish(line)),
      notStarted: () => {
        this.phase = 'idle';
        this.lanes = [];
        this.raced = null;
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.job.id || this.phase !== 'running') return;
    this.phase = 'stopping';
    await this.job.control('job.cancel', t('race.couldNotStop'));
  }

  /** The lane view of `lane`, if it is racing. */
  lane(lane: RaceLane): LaneView | undefined {
    return this.lanes.find((l) => l.lane === lane);
  }

  private handle(e: JobEvent): void {
    switch (e.kind) {
      case 'race-lane': {
        const view = this.lane(e.lane);
        if (view) applyLaneEvent(view, e.event, e.laneMs);
        break;
      }
      case 'race-finished': {
        const view = this.lane(e.lane);
        if (view) {
          view.finishOrder = e.finishOrder;
          view.laneMs = e.laneMs;
          view.finished = true;
        }
        break;
      }
      case 'race-frontier':
        this.frontier.push(e.point);
        this.frontierTotal = e.total;
        break;
      case 'race-results':
        this.results = e.lanes;
        for (const r of e.lanes) {
          const view = this.lane(r.lane);
          if (view) view.laneMs = r.wallMs;
        }
        break;
      default:
        break;
    }
  }

  private finish(outcome: string): void {
    this.outcome = outcome;
    this.job.release();
    this.phase = 'idle';
  }

  // ------------------------------------------------------------ latency against length

  /** The lengths a measurement up to the chosen maximum takes. */
  get plannedLengths(): number[] {
    return scalingLengths(this.scalingMax);
  }

  /** A warning for slow choices (naive AR re-reads the whole window for every character). */
  get scalingWarning(): string | null {
    return this.scalingMax >= SLOW_SCALING_LENGTH && this.form.lanes['ar-naive']
      ? t('race.scalingWarning', { n: this.scalingMax })
      : null;
  }

  /** One series a strategy, in lane order, with its fitted exponent. */
  get scalingSeries(): ScalingSeries[] {
    const s = this.scalingSettings ?? { iterations: this.form.iterations, draft: this.form.draft };
    return this.scalingLanes.map((lane) => {
      const points = this.scalingPoints.filter((p) => p.lane === lane).map((p) => ({ x: p.length, y: p.ms }));
      return { lane, label: laneLabel(lane, s), points, slope: logLogSlope(points) };
    });
  }

  get scalingTotal(): number {
    return this.scalingLengths.length * this.scalingLanes.length;
  }

  async measure(): Promise<void> {
    if (this.busy) return;
    const req = this.request();
    if (!req.ok) {
      notices.error(new Error(req.message), t('race.checkSettings'));
      return;
    }
    const lengths = this.plannedLengths;
    const params = Methods['race.scaling'].params.safeParse({ ...req.params, lengths });
    if (!params.success) {
      notices.error(new Error(paramsProblem('race.scaling', { ...req.params, lengths }) ?? t('validation.invalidSettings')), t('race.checkScaling'));
      return;
    }
    const o = req.options;
    this.scalingLengths = lengths;
    this.scalingLanes = req.params.options.lanes ?? [...LANES];
    this.scalingPoints = [];
    this.scalingOutcome = null;
    this.scalingSettings = { arRunId: req.params.arRunId, narRunId: req.params.narRunId, prompt: o.prompt, length: o.length, iterations: o.iterations, draft: o.draft };
    this.scalingPhase = 'starting';
    await this.scalingJob.start(() => worker.request('race.scaling', params.data), { startFailure: t('race.couldNotStartMeasuring'), failure: t('race.measuringFailed') }, {
      started: () => (this.scalingPhase = 'running'),
      event: (e) => {
        if (e.kind === 'scaling-point') this.scalingPoints.push({ lane: e.lane, length: e.length, ms: e.ms, steps: e.steps });
      },
      ...endingWith({ completed: t('race.measuredLine'), cancelled: t('jobs.stopped'), failed: t('race.measuringFailedLine') }, (line) => this.finishScaling(line)),
      notStarted: () => (this.scalingPhase = 'idle'),
    });
  }

  async stopMeasuring(): Promise<void> {
    if (!this.scalingJob.id || this.scalingPhase !== 'running') return;
    this.scalingPhase = 'stopping';
    await this.scalingJob.control('job.cancel', t('race.couldNotStopMeasuring'));
  }

  private finishScaling(outcome: string): void {
    this.scalingOutcome = outcome;
    this.scalingJob.release();
    this.scalingPhase = 'idle';
  }

  /** After a (re)connection: jobs of the old connection are gone, so nothing is running any more. */
  connected(): void {
    if (this.phase !== 'idle' && this.job.stale) {
      this.finish(t('race.lostDuringRace'));
    }
    if (this.scalingPhase !== 'idle' && this.scalingJob.stale) {
      this.finishScaling(t('race.lostWhileMeasuring'));
    }
  }

  // ------------------------------------------------------------ the request

  /** The race the form describes, checked against the protocol's own schema. */
  private request(): { ok: true; params: RaceParams; options: RaceOptions } | { ok: false; message: string } {
    const blocker = this.blocker;
    if (blocker) return { ok: false, message: blocker };
    const f = $state.snapshot(this.form);
    const lanes = this.selectedLanes;
    const params: RaceParams = {
      arRunId: this.ar!.id,
      narRunId: this.nar!.id,
      ...(this.drafter ? { drafterRunId: this.drafter.id } : {}),
      options: {
        prompt: f.prompt,
        length: f.length,
        seed: f.seed,
        temperature: f.temperature,
        topK: f.topK,
        topP: f.topP,
        iterations: f.iterations,
        draft: f.draft,
        lanes: lanes.length === LANES.length ? undefined : lanes,
      },
    };
    const checked = Methods['race.start'].params.safeParse(params);
    if (!checked.success) {
      return { ok: false, message: paramsProblem('race.start', params) ?? t('validation.invalidSettings') };
    }
    return { ok: true, params, options: checked.data.options };
  }
}


export const race = new Race();

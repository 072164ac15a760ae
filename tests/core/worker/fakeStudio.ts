import { DatasetError, RunStoreError } from '../../../core/errors.ts';
import type { RaceOptions, SampleOptions } from '../../../core/generate/options.ts';
import type { BackendInfo, JobEvent, MetricRecord, ResultOf, RunDetail, RunSummary } from '../../../core/protocol/messages.ts';
import type { LimitsSettings } from '../../../core/limits/schemas.ts';
import type { TrainConfig } from '../../../core/train/config.ts';
import type { StudioLike } from '../../../core/worker/dispatcher.ts';
import type { Job } from '../../../core/worker/studio.ts';

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A job driven by a generator body; honours cancel (ends with done: cancelled at the next step)
 * and, as the real Studio's jobs, only a training job can pause (it emits state events).
 */
export class FakeJob {
  cancelled = false;
  paused = false;
  cancelCalls = 0;
  /** Like the real Studio's jobs: training pauses, sampling and races do not. */
  readonly pausable: boolean;
  private wake: (() => void) | null = null;

  constructor(
    readonly kind: Job['kind'],
    readonly runId: string,
    private readonly body: (job: FakeJob) => AsyncGenerator<JobEvent>,
  ) {
    this.pausable = kind === 'train';
  }

  /** True once the event stream has been read to its end (the real Studio cleans up there). */
  ended = false;

  events(): AsyncIterable<JobEvent> {
    const inner = this.body(this);
    const mark = () => (this.ended = true);
    return (async function* () {
      try {
        yield* inner;
      } finally {
        mark();
      }
    })();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  cancel(): void {
    this.cancelCalls++;
    this.cancelled = true;
    this.wake?.();
  }
  /** Between steps: yields state events around a pause; true when the job should stop. */
  async *checkpoint(): AsyncGenerator<JobEvent, boolean> {
    if (this.paused && !this.cancelled) {
      yield { kind: 'state', state: 'paused' };
      while (this.paused && !this.cancelled) await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
      if (!this.cancelled) yield { kind: 'state', state: 'running' };
    }
    return this.cancelled;
  }
}

export interface FakeStudioOptions {
  /** Milliseconds between fake training steps / tokens. */
  tickMs?: number;
}

/** A Studio stand-in: in-memory runs, fake training and sampling jobs. */
export class FakeStudio implements StudioLike {
  readonly jobs: FakeJob[] = [];
  readonly trainConfigs: TrainConfig[] = [];
  readonly runs = new Map<string, RunSummary>();
  /** Makes the next result of runs.list invalid (to test outgoing validation). */
  breakRunsList = false;
  private nextRun = 1;
  private readonly tickMs: number;

  constructor(options: FakeStudioOptions = {}) {
    this.tickMs = options.tickMs ?? 1;
  }

  async info(): Promise<BackendInfo> {
    return {
      backend: 'fake',
      device: 'test double',
      threads: 1,
      rungs: [
        { name: 'tfjs-node-gpu', available: false, reason: 'not installed' },
        { name: 'fake', available: true, reason: 'chosen' },
      ],
      versions: { tfjs: '0.0.0' },
    };
  }

  async corpora(): Promise<ResultOf<'corpora.list'>> {
    return [{ name: 'sonnets', chars: 1000, description: 'fake sonnets' }];
  }

  async startTraining(config: TrainConfig, name?: string): Promise<Job> {
    if (config.data.kind === 'file' && config.data.path.endsWith('empty.txt')) {
      throw new DatasetError(`the file "empty.txt" is empty: choose a file that contains text`);
    }
    if (config.data.kind === 'upload' && config.data.bytes.byteLength === 0) {
      throw new DatasetError(`the file "${config.data.name}" is empty: choose a file that contains text`);
    }
    this.trainConfigs.push(config);
    const id = `run-${this.nextRun++}`;
    const now = new Date().toISOString();
    const run: RunSummary = {
      id,
      name: name ?? `${config.model.family} run`,
      createdAt: now,
      updatedAt: now,
      state: 'training',
      step: 0,
      totalSteps: config.steps,
      dataset: config.data.kind === 'builtin' ? config.data.name : config.data.kind === 'file' ? config.data.path : config.data.name,
      model: { ...config.model, vocabSize: 40 },
      lastTrainLoss: null,
      lastValLoss: null,
      checkpointStep: null,
      backend: 'fake',
    };
    this.runs.set(id, run);
    return this.trainJob(run, 0, config.steps);
  }

  async resumeTraining(runId: string, extraSteps: number): Promise<Job> {
    const run = this.runs.get(runId);
    if (!run) throw new RunStoreError(`there is no run ${runId}`);
    run.totalSteps += extraSteps;
    return this.trainJob(run, run.step, run.totalSteps);
  }

  async sample(runId: string, options: SampleOptions): Promise<Job> {
    if (!this.runs.has(runId)) throw new RunStoreError(`there is no run ${runId}`);
    const tick = this.tickMs;
    const alphabet = 'abcdefghij \n';
    const job = new FakeJob('sample', runId, async function* (self) {
      let text = '';
      for (let i = 0; i < options.length; i++) {
        if (yield* self.checkpoint()) {
          yield { kind: 'done', reason: 'cancelled', summary: { runId, tokens: i } };
          return;
        }
        await delay(tick);
        const tokenId = (i + options.seed) % alphabet.length;
        text += alphabet[tokenId]!;
        yield { kind: 'token', index: i, tokenId, text: alphabet[tokenId]!, prob: 0.5 };
      }
      yield { kind: 'done', reason: 'completed', summary: { runId, tokens: options.length, text } };
    });
    this.jobs.push(job);
    return job;
  }

  /** A race of two lanes that each type `options.length` tokens, then the results table. */
  async race(arRunId: string, narRunId: string, options: RaceOptions): Promise<Job> {
    for (const id of [arRunId, narRunId]) if (!this.runs.has(id)) throw new RunStoreError(`there is no run ${id}`);
    const tick = this.tickMs;
    const job = new FakeJob('race', arRunId, async function* (self) {
      for (let i = 0; i < options.length; i++) {
        if (yield* self.checkpoint()) break;
        await delay(tick);
        for (const lane of ['ar-cache', 'nar-1'] as const) {
          yield { kind: 'race-lane', lane, event: { kind: 'token', index: i, tokenId: 0, text: 'a', prob: 0.5 }, laneMs: i };
        }
      }
      const row = (lane: 'ar-cache' | 'nar-1', finishOrder: number) => ({
        lane,
        label: lane,
        text: 'a'.repeat(options.length),
        tokens: options.length,
        steps: lane === 'nar-1' ? 1 : options.length,
        wallMs: 10,
        tokensPerSec: options.length * 100,
        finishOrder,
        cancelled: self.cancelled,
        nll: 1,
        perplexity: Math.E,
        repetition: 1,
        distinct1: 1 / options.length,
        distinct2: 0,
      });
      yield { kind: 'race-results', lanes: [row('ar-cache', 1), row('nar-1', 2)] };
      yield { kind: 'done', reason: self.cancelled ? 'cancelled' : 'completed', summary: { arRunId, narRunId } };
    });
    this.jobs.push(job);
    return job;
  }

  async scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<Job> {
    const job = new FakeJob('race', arRunId, async function* () {
      for (const length of lengths) yield { kind: 'scaling-point', lane: 'ar-cache', length, ms: length, steps: length };
      yield { kind: 'done', reason: 'completed', summary: { arRunId, narRunId, points: lengths.length, draft: options.draft } };
    });
    this.jobs.push(job);
    return job;
  }

  /** A Limits lab experiment: two progress events, then a one-point result (context only). */
  async limits(settings: LimitsSettings): Promise<Job> {
    const job = new FakeJob('limits', '', async function* (self) {
      for (let step = 1; step <= 2; step++) {
        if (self.cancelled) break;
        yield { kind: 'limits-progress', experiment: settings.experiment, phase: 'training', step, total: 2 };
        await delay(1);
      }
      if (!self.cancelled && settings.experiment === 'context') {
        yield { kind: 'limits-result', result: { experiment: 'context', context: 8, fits: 3, points: [{ model: 'lstm', length: 4, accuracy: 1 }], caption: 'fake' } };
      }
      yield { kind: 'done', reason: self.cancelled ? 'cancelled' : 'completed', summary: { experiment: settings.experiment, seed: settings.seed } };
    });
    this.jobs.push(job);
    return job;
  }

  async setBackend(prefer: string): Promise<BackendInfo> {
    const info = await this.info();
    return { ...info, backend: prefer === 'auto' ? info.backend : prefer };
  }

  async imagePreview(_source: unknown, limit: number): Promise<ResultOf<'images.preview'>> {
    const shown = Math.min(limit, 3);
    return { name: 'fake digits', count: 3, shown, images: new Uint8Array(shown * 784).fill(1) };
  }

  async startImageTraining(): Promise<Job> {
    throw new RunStoreError('the fake studio trains no images');
  }

  async sampleImages(runId: string): Promise<Job> {
    throw new RunStoreError(`there is no image run ${runId}`);
  }

  async raceImages(arRunId: string): Promise<Job> {
    throw new RunStoreError(`there is no image run ${arRunId}`);
  }

  async listRuns(): Promise<RunSummary[]> {
    if (this.breakRunsList) return [{ id: 'no spaces allowed' } as unknown as RunSummary];
    return [...this.runs.values()];
  }

  async getRun(runId: string): Promise<RunDetail> {
    const run = this.runs.get(runId);
    if (!run) throw new RunStoreError(`there is no run ${runId}`);
    return { ...run, config: this.trainConfigs[0]!, metrics: [], metricsTotal: 0, previews: [] };
  }

  async runMetrics(runId: string): Promise<MetricRecord[]> {
    if (!this.runs.has(runId)) throw new RunStoreError(`there is no run ${runId}`);
    return [];
  }

  async exportRun(runId: string): Promise<ResultOf<'runs.export'>> {
    throw new RunStoreError(`the fake studio exports no runs (${runId})`);
  }

  async importRun(): Promise<RunSummary> {
    throw new RunStoreError('the fake studio imports no runs');
  }

  async restoreStarters(): Promise<ResultOf<'runs.restoreStarters'>> {
    return { restored: [], present: [] };
  }

  async deleteRun(runId: string): Promise<void> {
    if (!this.runs.delete(runId)) throw new RunStoreError(`there is no run ${runId}`);
  }

  private trainJob(run: RunSummary, from: number, total: number): FakeJob {
    const tick = this.tickMs;
    const job = new FakeJob('train', run.id, async function* (self) {
      const started = Date.now();
      let loss = 4;
      for (let step = from + 1; step <= total; step++) {
        if (yield* self.checkpoint()) {
          run.state = 'cancelled';
          yield { kind: 'done', reason: 'cancelled', summary: { runId: run.id, step: run.step, trainLoss: loss } };
          return;
        }
        await delay(tick);
        loss *= 0.97;
        run.step = step;
        run.lastTrainLoss = loss;
        const elapsedSec = (Date.now() - started) / 1000;
        const valLoss = step % 5 === 0 ? loss + 0.1 : undefined;
        if (valLoss !== undefined) run.lastValLoss = valLoss;
        yield {
          kind: 'progress',
          runId: run.id,
          step,
          totalSteps: total,
          trainLoss: loss,
          ...(valLoss !== undefined ? { valLoss } : {}),
          tokensPerSec: 1234,
          lr: 0.003,
          elapsedSec,
          etaSec: ((total - step) * tick) / 1000,
        };
        if (valLoss !== undefined) yield { kind: 'preview', runId: run.id, step, text: `sample at ${step}\nsecond line` };
      }
      run.state = 'completed';
      yield { kind: 'done', reason: 'completed', summary: { runId: run.id, step: total, trainLoss: loss, valLoss: run.lastValLoss } };
    });
    this.jobs.push(job);
    return job;
  }
}

import { Methods, type JobEvent, type ParamsOf } from '../../../../core/protocol/messages.ts';
import { downloadBlob } from '../download.ts';
import { paramsProblem } from '../messages.ts';
import { runRow } from '../runRows.ts';
import { chosenSampleRun, sampleChoices, type SampleChoice } from '../sampleChoices.ts';
import { liveRuns } from './liveRuns.svelte.ts';
import { isNonAutoregressive } from '../modelForm.ts';
import { maskedCells, passCells, typedCell, type TokenCell } from '../tokenCells.ts';
import { JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { view } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

export type SampleOptionsForm = Required<ParamsOf<'sample.start'>['options']>;


/** Sampling from a trained run: the options, the streamed text, and the job. */
class Sampling {
  options = $state<SampleOptionsForm>({ prompt: '', temperature: 0.8, topK: 0, topP: 1, seed: 1, length: 300, iterations: 4, choiceNoise: 0 });
  runId = $state<string | null>(null);
  /** The prompt the shown text continues. */
  prompt = $state('');
  /** An AR run's text so far, a cell per character (tinted by how unlikely it was). */
  tokens = $state<TokenCell[]>([]);
  /** A NAR run's canvas after the latest pass (null for left-to-right runs). */
  canvas = $state.raw<TokenCell[] | null>(null);
  /** Passes so far, and the sequential steps they took (NAR runs). */
  pass = $state(0);
  passSteps = $state(0);
  /** The T the shown canvas was made with. */
  passIterations = $state(0);
  phase = $state<'idle' | 'starting' | 'running' | 'stopping'>('idle');
  summary = $state.raw<Record<string, string | number | boolean | null> | null>(null);
  private readonly job = new JobFollower();

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** The text runs, newest first, each with why it cannot be sampled (PixelCNN runs belong to the Image lab). */
  get choices(): SampleChoice[] {
    return sampleChoices(runs.list.map((r) => runRow(r, liveRuns.byRun.get(r.id))));
  }

  /** The run sampled: the one picked while it is listed, else the newest that can be sampled. */
  get chosenId(): string | null {
    return chosenSampleRun(this.choices, this.runId);
  }

  /** Why Sample cannot start (shown beside the button), or null. */
  get blocker(): string | null {
    const id = this.chosenId;
    if (id === null) return runs.loaded ? t('sample.trainFirst') : null;
    const why = this.choices.find((c) => c.run.id === id)?.why;
    return why ? t('sample.notSampleable', { why }) : null;
  }

  /** Whether the chosen run is non-autoregressive (fills a canvas in T passes). */
  get isNar(): boolean {
    return isNonAutoregressive(runs.byId(this.chosenId)?.model);
  }

  /** Chooses the run to sample from and brings the sample panel up. */
  from(runId: string): void {
    this.runId = runId;
    view.tab = 'lab';
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const runId = this.chosenId;
    if (!runId || this.blocker) return; // the panel says why beside the button
    this.runId = runId;
    const params = Methods['sample.start'].params.safeParse({ runId, options: $state.snapshot(this.options) });
    if (!params.success) {
      notices.error(new Error(paramsProblem('sample.start', { runId, options: $state.snapshot(this.options) }) ?? t('validation.invalidSettings')), t('sampling.checkOptions'));
      return;
    }
    this.phase = 'starting';
    this.tokens = [];
    // A NAR run's canvas starts fully masked; its passes fill it in.
    this.canvas = this.isNar ? maskedCells(params.data.options.length) : null;
    this.pass = 0;
    this.passSteps = 0;
    this.passIterations = params.data.options.iterations;
    this.summary = null;
    this.prompt = params.data.options.prompt;
    this.sampledSeed = params.data.options.seed;
    await this.job.start(() => worker.request('sample.start', params.data), { startFailure: t('sampling.couldNotStart'), failure: t('sampling.failed') }, {
      started: () => (this.phase = 'running'),
      event: (e) => this.handle(e),
      done: (e) => {
        this.summary = e.summary;
        if (this.canvas) this.canvas = this.canvas.map((c) => ({ ...c, fresh: false }));
        this.finish();
      },
      failed: () => this.finish(),
      notStarted: () => {
        this.phase = 'idle';
        this.canvas = null;
      },
    });
  }

  /** The seed the shown text was sampled with. */
  private sampledSeed = 1;

  /** The prompt and what the model wrote after it (once sampling has ended), or null. */
  get finishedText(): string | null {
    const text = this.summary?.text;
    return this.phase === 'idle' && typeof text === 'string' ? this.prompt + text : null;
  }

  /** Saves the finished text as a UTF-8 .txt file named after the run and the seed. */
  saveText(): void {
    const text = this.finishedText;
    if (text === null) return;
    const run = runs.byId(String(this.summary?.runId ?? this.chosenId));
    const name = (run?.name ?? 'sample').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '') || 'sample';
    downloadBlob(new Blob([text], { type: 'text/plain;charset=utf-8' }), `${name}-seed-${this.sampledSeed}.txt`);
  }

  async stop(): Promise<void> {
    if (!this.job.id || this.phase !== 'running') return;
    this.phase = 'stopping';
    await this.job.control('job.cancel', t('sampling.couldNotStop'));
  }

  private handle(e: JobEvent): void {
    switch (e.kind) {
      case 'token':
        this.tokens.push(typedCell(e.text, e.prob));
        break;
      case 'pass':
        this.canvas = passCells(e);
        this.pass = e.iteration;
        this.passSteps = e.steps;
        break;
      default:
        break;
    }
  }

  private finish(): void {
    this.job.release();
    this.phase = 'idle';
  }
}

export const sampling = new Sampling();

import { WorkerError } from '../../../../core/protocol/client.ts';
import { Methods, type JobEvent, type ParamsOf, type ProgressEvent, type RunDetail } from '../../../../core/protocol/messages.ts';
import type { Point } from '../chart.ts';
import { modelChoice, modelProblems, type ModelFields } from '../modelForm.ts';
import { notices } from './notices.svelte.ts';
import { runs } from './runs.svelte.ts';
import { sampling } from './sampling.svelte.ts';
import { view } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';

type TrainConfigInput = ParamsOf<'train.start'>['config'];
export type Cell = Extract<TrainConfigInput['model'], { family: 'rnn' }>['cell'];
export type Corpus = { name: string; chars: number; description: string };

/**
 * What the training form holds. `corpus` is a built-in corpus name, or UPLOAD for the picked
 * file; the model fields of every family are kept, so switching family and back loses nothing.
 */
export interface TrainForm extends ModelFields {
  name: string;
  corpus: string;
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  evalEvery: number;
  checkpointEvery: number;
  seed: number;
}

export const UPLOAD = '\u0000upload';

export type TrainPhase = 'idle' | 'starting' | 'running' | 'paused' | 'stopping';

/** The training form, and the one live training job with its curves and progress. */
class Training {
  form = $state<TrainForm>({
    name: '',
    corpus: 'sonnets',
    family: 'rnn',
    cell: 'lstm',
    embedding: 64,
    hidden: 128,
    layers: 2,
    dModel: 64,
    heads: 4,
    tfLayers: 2,
    ffn: 256,
    context: null,
    dropout: 0,
    steps: 500,
    batch: 32,
    seq: 64,
    lr: 3e-3,
    evalEvery: 50,
    checkpointEvery: 200,
    seed: 1,
  });
  corpora = $state.raw<Corpus[]>([]);
  /** The text file the person opened, if any. */
  upload = $state.raw<{ name: string; bytes: Uint8Array<ArrayBuffer> } | null>(null);

  phase = $state<TrainPhase>('idle');
  runId = $state<string | null>(null);
  trainPoints = $state<Point[]>([]);
  valPoints = $state<Point[]>([]);
  progress = $state.raw<ProgressEvent | null>(null);
  totalSteps = $state(0);
  checkpointStep = $state<number | null>(null);
  /** How the last job ended, in words. */
  outcome = $state<string | null>(null);

  private jobId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** What is wrong with the model fields, in sentences (empty when nothing is). */
  get modelProblems(): string[] {
    return modelProblems(this.form, this.form.seq);
  }

  /** The chosen built-in corpus, if one is chosen. */
  get corpus(): Corpus | undefined {
    return this.corpora.find((c) => c.name === this.form.corpus);
  }

  async loadCorpora(): Promise<void> {
    try {
      this.corpora = await worker.request('corpora.list', {});
      if (this.form.corpus !== UPLOAD && !this.corpora.some((c) => c.name === this.form.corpus) && this.corpora[0]) {
        this.form.corpus = this.corpora[0].name;
      }
    } catch (err) {
      notices.error(err, 'Could not list the corpora');
    }
  }

  async openFile(file: File): Promise<void> {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      this.upload = { name: file.name, bytes };
      this.form.corpus = UPLOAD;
    } catch (err) {
      notices.error(err, `Could not read ${file.name}`);
    }
  }

  /** The request the form describes, checked against the protocol's own schema. */
  private buildRequest(): { ok: true; params: ParamsOf<'train.start'> } | { ok: false; message: string } {
    const f = $state.snapshot(this.form);
    let data: TrainConfigInput['data'];
    if (f.corpus !== UPLOAD) data = { kind: 'builtin', name: f.corpus as 'sonnets' }; // the schema checks the name
    else if (this.upload) data = { kind: 'upload', name: this.upload.name, bytes: this.upload.bytes };
    else return { ok: false, message: 'open a text file first' };
    const problems = modelProblems(f, f.seq);
    if (problems.length) return { ok: false, message: problems[0]! };
    const params = {
      name: f.name.trim() || undefined,
      config: {
        model: modelChoice(f, f.seq),
        data,
        steps: f.steps,
        batch: f.batch,
        seq: f.seq,
        lr: f.lr,
        evalEvery: f.evalEvery,
        checkpointEvery: f.checkpointEvery,
        seed: f.seed,
      },
    };
    const checked = Methods['train.start'].params.safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return { ok: false, message: `${String(issue?.path.at(-1) ?? 'settings')}: ${issue?.message ?? 'invalid'}` };
    }
    return { ok: true, params };
  }

  async start(): Promise<void> {
    if (this.busy) return;
    const req = this.buildRequest();
    if (!req.ok) {
      notices.error(new Error(req.message), 'Check the training settings');
      return;
    }
    this.reset(req.params.config.steps);
    this.phase = 'starting';
    try {
      const { jobId, runId } = await worker.request('train.start', req.params);
      this.attach(jobId, runId);
    } catch (err) {
      this.phase = 'idle';
      notices.error(err, 'Could not start training');
    }
  }

  /** Continues a stored run: its curve so far is drawn first. */
  async resume(run: RunDetail, extraSteps: number): Promise<void> {
    if (this.busy) {
      notices.error(new Error('stop the current training first'), 'Cannot resume');
      return;
    }
    this.reset(run.totalSteps + extraSteps);
    for (const m of run.metrics) {
      if (m.trainLoss !== undefined) this.trainPoints.push({ x: m.step, y: m.trainLoss });
      if (m.valLoss !== undefined) this.valPoints.push({ x: m.step, y: m.valLoss });
    }
    this.checkpointStep = run.checkpointStep;
    this.phase = 'starting';
    view.tab = 'lab';
    try {
      const { jobId, runId } = await worker.request('train.resume', { runId: run.id, extraSteps });
      this.attach(jobId, runId);
    } catch (err) {
      this.phase = 'idle';
      notices.error(err, 'Could not resume the run');
    }
  }

  async pause(): Promise<void> {
    if (!this.jobId || this.phase !== 'running') return;
    try {
      await worker.request('job.pause', { jobId: this.jobId });
      if (this.phase === 'running') this.phase = 'paused';
    } catch (err) {
      notices.error(err, 'Could not pause');
    }
  }

  async resumeJob(): Promise<void> {
    if (!this.jobId || this.phase !== 'paused') return;
    try {
      await worker.request('job.resume', { jobId: this.jobId });
      if (this.phase === 'paused') this.phase = 'running';
    } catch (err) {
      notices.error(err, 'Could not resume');
    }
  }

  async stop(): Promise<void> {
    if (!this.jobId || (this.phase !== 'running' && this.phase !== 'paused')) return;
    this.phase = 'stopping';
    try {
      await worker.request('job.cancel', { jobId: this.jobId });
    } catch (err) {
      notices.error(err, 'Could not stop training');
    }
  }

  private reset(totalSteps: number): void {
    this.trainPoints = [];
    this.valPoints = [];
    this.progress = null;
    this.outcome = null;
    this.checkpointStep = null;
    this.totalSteps = totalSteps;
  }

  private attach(jobId: string, runId: string): void {
    this.jobId = jobId;
    this.runId = runId;
    this.phase = 'running';
    sampling.runId = runId;
    this.unsubscribe = worker.currentClient?.onJob(jobId, (e) => this.handle(e)) ?? null;
    void runs.refresh();
  }

  private handle(e: JobEvent): void {
    switch (e.kind) {
      case 'progress':
        this.progress = e;
        this.totalSteps = e.totalSteps;
        this.trainPoints.push({ x: e.step, y: e.trainLoss });
        if (e.valLoss !== undefined) this.valPoints.push({ x: e.step, y: e.valLoss });
        break;
      case 'state':
        if (this.phase !== 'stopping') this.phase = e.state === 'paused' ? 'paused' : 'running';
        break;
      case 'checkpoint':
        this.checkpointStep = e.step;
        break;
      case 'done': {
        const step = this.progress?.step ?? 0;
        this.outcome = e.reason === 'completed' ? `Completed ${step} steps.` : `Stopped at step ${step}.`;
        this.finish();
        break;
      }
      case 'error':
        this.outcome = 'Training failed.';
        notices.error(new WorkerError(e.code, e.message), 'Training failed');
        this.finish();
        break;
      default:
        break;
    }
  }

  private finish(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.jobId = null;
    this.phase = 'idle';
    void runs.refresh();
  }
}

export const training = new Training();

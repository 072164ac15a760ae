import { WorkerError } from '../../../../core/protocol/client.ts';
import { Methods, type JobEvent, type ParamsOf } from '../../../../core/protocol/messages.ts';
import { notices } from './notices.svelte.ts';
import { view } from './view.svelte.ts';
import { worker } from './worker.svelte.ts';

export type SampleOptionsForm = Required<ParamsOf<'sample.start'>['options']>;

export interface SampledText {
  text: string;
  prob: number;
}

/** Sampling from a trained run: the options, the streamed text, and the job. */
class Sampling {
  options = $state<SampleOptionsForm>({ prompt: '', temperature: 0.8, topK: 0, topP: 1, seed: 1, length: 300, iterations: 4 });
  runId = $state<string | null>(null);
  /** The prompt the shown text continues. */
  prompt = $state('');
  tokens = $state<SampledText[]>([]);
  phase = $state<'idle' | 'starting' | 'running' | 'stopping'>('idle');
  summary = $state.raw<Record<string, string | number | boolean | null> | null>(null);
  private jobId: string | null = null;
  private unsubscribe: (() => void) | null = null;

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Chooses the run to sample from and brings the sample panel up. */
  from(runId: string): void {
    this.runId = runId;
    view.tab = 'lab';
  }

  async start(): Promise<void> {
    if (this.busy) return;
    if (!this.runId) {
      notices.error(new Error('train a model or pick a run first'), 'Nothing to sample from');
      return;
    }
    const params = Methods['sample.start'].params.safeParse({ runId: this.runId, options: $state.snapshot(this.options) });
    if (!params.success) {
      const issue = params.error.issues[0];
      notices.error(new Error(`${String(issue?.path.at(-1) ?? 'options')}: ${issue?.message ?? 'invalid'}`), 'Check the sampling options');
      return;
    }
    this.phase = 'starting';
    this.tokens = [];
    this.summary = null;
    this.prompt = params.data.options.prompt;
    try {
      const { jobId } = await worker.request('sample.start', params.data);
      const client = worker.currentClient;
      this.jobId = jobId;
      this.phase = 'running';
      this.unsubscribe = client?.onJob(jobId, (e) => this.handle(e)) ?? null;
    } catch (err) {
      this.phase = 'idle';
      notices.error(err, 'Could not start sampling');
    }
  }

  async stop(): Promise<void> {
    if (!this.jobId || this.phase !== 'running') return;
    this.phase = 'stopping';
    try {
      await worker.request('job.cancel', { jobId: this.jobId });
    } catch (err) {
      notices.error(err, 'Could not stop sampling');
    }
  }

  private handle(e: JobEvent): void {
    switch (e.kind) {
      case 'token':
        this.tokens.push({ text: e.text, prob: e.prob });
        break;
      case 'done':
        this.summary = e.summary;
        this.finish();
        break;
      case 'error':
        notices.error(new WorkerError(e.code, e.message), 'Sampling failed');
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
  }
}

export const sampling = new Sampling();

/** 0 (likely) … 4 (unlikely): how strongly a sampled character is tinted. */
export function surpriseLevel(prob: number): number {
  if (!Number.isFinite(prob)) return 0;
  return Math.max(0, Math.min(4, Math.floor((1 - prob) * 5)));
}

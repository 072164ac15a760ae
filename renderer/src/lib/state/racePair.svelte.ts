import type { ParamsOf } from '../../../../core/protocol/messages.ts';
import { JobFollower } from './jobFollower.ts';
import { notices } from './notices.svelte.ts';
import { race } from './race.svelte.ts';
import { runs } from './runs.svelte.ts';
import { worker } from './worker.svelte.ts';

/** The two models a pair is made of: the same width, depth and text, one causal, one mask-predict. */
const SHAPE = { dModel: 64, heads: 4, layers: 2, ffn: 256, context: 64, dropout: 0 } as const;

/** One training run the pair is waiting for. */
interface Member {
  runId: string;
  step: number;
  total: number;
  state: 'training' | 'done' | 'failed' | 'cancelled';
}

/**
 * "Train a pair": one click that trains a small causal Transformer and a mask-predict
 * Transformer of the same shape on the sonnets, side by side, so the Race has two models to run.
 * Both jobs are ordinary runs (they appear in the Runs list); when both finish they are chosen.
 */
class RacePair {
  steps = $state(600);
  phase = $state<'idle' | 'training' | 'stopping'>('idle');
  members = $state<{ ar: Member | null; nar: Member | null }>({ ar: null, nar: null });
  outcome = $state<string | null>(null);
  private readonly followers = { ar: new JobFollower(), nar: new JobFollower() };

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Steps done by both, out of both totals. */
  get progress(): { done: number; total: number } {
    const ms = [this.members.ar, this.members.nar].filter((m): m is Member => m !== null);
    return { done: ms.reduce((s, m) => s + m.step, 0), total: ms.reduce((s, m) => s + m.total, 0) || 1 };
  }

  request(family: 'transformer' | 'maskPredict'): ParamsOf<'train.start'> {
    return {
      name: family === 'transformer' ? 'race pair · AR' : 'race pair · NAR',
      config: {
        model: { family, ...SHAPE },
        data: { kind: 'builtin', name: 'sonnets' },
        steps: this.steps,
        batch: 32,
        seq: 64,
        lr: 3e-3,
        evalEvery: Math.max(1, Math.round(this.steps / 6)),
        checkpointEvery: Math.max(1, Math.round(this.steps / 3)),
        seed: 1,
      },
    };
  }

  async start(): Promise<void> {
    if (this.busy) return;
    this.phase = 'training';
    this.outcome = null;
    this.members = { ar: null, nar: null };
    try {
      for (const [key, family] of [['ar', 'transformer'], ['nar', 'maskPredict']] as const) {
        const { jobId, runId } = await worker.request('train.start', this.request(family));
        this.members[key] = { runId, step: 0, total: this.steps, state: 'training' };
        this.followers[key].follow(jobId, 'Training the race pair failed', {
          event: (e) => {
            if (e.kind === 'progress' && this.members[key]) this.members[key].step = e.step;
          },
          done: (e) => this.ended(key, e.reason === 'completed' ? 'done' : 'cancelled'),
          failed: () => this.ended(key, 'failed'),
        });
      }
    } catch (err) {
      notices.error(err, 'Could not start training the race pair');
      await this.stop();
      this.phase = 'idle';
    }
    void runs.refresh();
  }

  async stop(): Promise<void> {
    if (this.phase !== 'training') return;
    this.phase = 'stopping';
    for (const key of ['ar', 'nar'] as const) if (this.followers[key].id) await this.followers[key].control('job.cancel', 'Could not stop the training');
  }

  private ended(key: 'ar' | 'nar', state: Member['state']): void {
    const m = this.members[key];
    if (m) m.state = state;
    const { ar, nar } = this.members;
    if (!ar || !nar || ar.state === 'training' || nar.state === 'training') return;
    this.phase = 'idle';
    if (ar.state === 'done' && nar.state === 'done') {
      this.outcome = 'Both models are trained and chosen below: start the race.';
      race.form.arRunId = ar.runId;
      race.form.narRunId = nar.runId;
    } else {
      this.outcome = ar.state === 'failed' || nar.state === 'failed' ? 'Training the pair failed.' : 'Stopped. The runs keep their last checkpoints (resume them in Runs).';
    }
    void runs.refresh();
  }
}

export const racePair = new RacePair();

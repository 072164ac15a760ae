import type { ParamsOf } from '../../../../core/protocol/messages.ts';
import { DEFAULT_LEARNING_RATES } from '../../../../core/protocol/schemas.ts';
import { formatNumber, t } from '../i18n/index.svelte.ts';
import { rangeProblem } from '../messages.ts';
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
  /** A distilled NAR run's first phase: characters of the AR run's text written, of the total. */
  distill: { done: number; total: number } | null;
  state: 'training' | 'done' | 'failed' | 'cancelled';
}

type Key = 'ar' | 'nar';

/**
 * "Train a pair": one click that trains a small causal Transformer and then a mask-predict
 * Transformer of the same shape on the sonnets, so the Race has two models to run. By default
 * the NAR model is distilled from the AR one (it trains on text the AR model writes: sequence-
 * level knowledge distillation), so the AR model trains first and the NAR model after it. Both
 * jobs are ordinary runs (they appear in the Runs list); when both finish they are chosen.
 */
class RacePair {
  steps = $state(600);
  /** Distil the NAR model from the AR one (else both train on the sonnets, side by side). */
  distil = $state(true);
  phase = $state<'idle' | 'training' | 'stopping'>('idle');
  members = $state<{ ar: Member | null; nar: Member | null }>({ ar: null, nar: null });
  /** How the last pair ended (shown in the current language), or null. */
  outcome = $state<'racePair.ready' | 'racePair.failedLine' | 'racePair.stoppedLine' | null>(null);
  private readonly followers = { ar: new JobFollower(), nar: new JobFollower() };

  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** What is wrong with the steps field, or null. */
  get stepsProblem(): string | null {
    const s = this.steps;
    if (Number.isInteger(s) && s >= 10 && s <= 100_000) return null;
    return rangeProblem(t('racePair.stepsEach'), { int: true, min: 10, minInclusive: true, max: 100_000, maxInclusive: true });
  }

  /** While the pair trains: why the race must wait (shown on its disabled Start button). */
  private waitReason(): string {
    const { ar, nar } = this.members;
    const m = nar ?? ar;
    const what = !m
      ? t('racePair.waitStarting')
      : m === ar
        ? t('racePair.waitAr', { step: formatNumber(ar.step), total: formatNumber(ar.total) })
        : m.distill && m.step === 0
          ? t('racePair.waitNarWriting')
          : t('racePair.waitNar', { step: formatNumber(m.step), total: formatNumber(m.total) });
    return t('racePair.raceWaits', { what });
  }

  /** Steps done by both, out of both totals (a member not started yet counts its steps to come). */
  get progress(): { done: number; total: number } {
    const ms = [this.members.ar, this.members.nar];
    return { done: ms.reduce((s, m) => s + (m?.step ?? 0), 0), total: ms.reduce((s, m) => s + (m?.total ?? this.steps), 0) || 1 };
  }

  request(family: 'transformer' | 'maskPredict', distillFrom?: string): ParamsOf<'train.start'> {
    return {
      name: t(family === 'transformer' ? 'racePair.runNames.ar' : distillFrom ? 'racePair.runNames.narDistilled' : 'racePair.runNames.nar'),
      config: {
        model: { family, ...SHAPE },
        data: { kind: 'builtin', name: 'sonnets' },
        steps: this.steps,
        batch: 32,
        seq: 64,
        lr: DEFAULT_LEARNING_RATES[family],
        evalEvery: Math.max(1, Math.round(this.steps / 6)),
        checkpointEvery: Math.max(1, Math.round(this.steps / 3)),
        seed: 1,
      },
      ...(distillFrom ? { distillFrom: { runId: distillFrom } } : {}),
    };
  }

  async start(): Promise<void> {
    if (this.busy) return;
    if (this.stepsProblem) return;
    this.phase = 'training';
    this.outcome = null;
    this.members = { ar: null, nar: null };
    race.waitFor = () => (this.phase === 'idle' ? null : this.waitReason());
    const sequential = this.distil;
    if (!(await this.launch('ar', this.request('transformer')))) return;
    if (!sequential) await this.launch('nar', this.request('maskPredict'));
  }

  async stop(): Promise<void> {
    if (this.phase !== 'training') return;
    this.phase = 'stopping';
    for (const key of ['ar', 'nar'] as const) if (this.followers[key].id) await this.followers[key].control('job.cancel', t('racePair.couldNotStop'));
    // Nothing left running (the NAR job not started yet): the pair has stopped.
    if (!this.followers.ar.id && !this.followers.nar.id) this.settle();
  }

  /** Starts one member's training; false (and the pair stopped) where it could not start. */
  private async launch(key: Key, params: ParamsOf<'train.start'>): Promise<boolean> {
    try {
      const { jobId, runId } = await worker.request('train.start', params);
      this.members[key] = { runId, step: 0, total: this.steps, distill: null, state: 'training' };
      this.followers[key].follow(jobId, t('racePair.failed'), {
        event: (e) => {
          const m = this.members[key];
          if (!m) return;
          if (e.kind === 'progress') m.step = e.step;
          else if (e.kind === 'distill') m.distill = { done: e.done, total: e.total };
        },
        done: (e) => this.ended(key, e.reason === 'completed' ? 'done' : 'cancelled'),
        failed: () => this.ended(key, 'failed'),
      });
      void runs.refresh();
      return true;
    } catch (err) {
      notices.error(err, t('racePair.couldNotStart'));
      await this.stop();
      this.settle();
      return false;
    }
  }

  private ended(key: Key, state: Member['state']): void {
    const m = this.members[key];
    if (m) m.state = state;
    const { ar, nar } = this.members;
    // The AR model trained: now the NAR model, distilled from it.
    if (key === 'ar' && state === 'done' && !nar && this.phase === 'training') {
      void this.launch('nar', this.request('maskPredict', ar!.runId));
      return;
    }
    if (ar?.state === 'training' || nar?.state === 'training') return;
    this.settle();
  }

  /** Both jobs over (or one never started): the outcome, and the two runs chosen for the race when both trained. */
  private settle(): void {
    if (this.phase === 'idle') return;
    this.phase = 'idle';
    race.waitFor = null;
    const { ar, nar } = this.members;
    if (ar?.state === 'done' && nar?.state === 'done') {
      this.outcome = 'racePair.ready';
      race.form.arRunId = ar.runId;
      race.form.narRunId = nar.runId;
    } else {
      this.outcome = ar?.state === 'failed' || nar?.state === 'failed' ? 'racePair.failedLine' : 'racePair.stoppedLine';
    }
    void runs.refresh();
  }
}

export const racePair = new RacePair();

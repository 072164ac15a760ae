import { LIMITS_EXPERIMENTS, type LimitsExperiment, type LimitsResult } from '../../../../core/protocol/schemas.ts';
import type { JobEvent } from '../../../../core/protocol/messages.ts';
import { JobFollower } from './jobFollower.ts';
import { worker } from './worker.svelte.ts';
import { t } from '../i18n/index.svelte.ts';

export type LimitsPhase = 'idle' | 'starting' | 'running' | 'stopping';

/** One experiment as the Limits lab shows it. */
export interface ExperimentView {
  phase: LimitsPhase;
  /** Where the running experiment is: the phase's name, step of total. */
  progress: { phase: string; step: number; total: number } | null;
  result: LimitsResult | null;
  /** How the last run ended ('completed', 'cancelled', 'failed'), or null before any. */
  outcome: 'completed' | 'cancelled' | 'failed' | null;
  /** The models the last run trained, each kept as an ordinary run (listed in Runs). */
  runs: { role: string; runId: string; name: string }[];
}

function emptyView(): ExperimentView {
  return { phase: 'idle', progress: null, result: null, outcome: null, runs: [] };
}

/** The Limits lab: small models trained on synthetic tasks, one experiment at a time. */
class Limits {
  form = $state({ seed: 1, quick: false });
  views = $state<Record<LimitsExperiment, ExperimentView>>(
    Object.fromEntries(LIMITS_EXPERIMENTS.map((e) => [e, emptyView()])) as Record<LimitsExperiment, ExperimentView>,
  );
  /** The experiment running now, if any. */
  active = $state<LimitsExperiment | null>(null);

  private readonly job = new JobFollower();

  get busy(): boolean {
    return this.active !== null;
  }

  async run(experiment: LimitsExperiment): Promise<void> {
    if (this.busy) return;
    const view = this.views[experiment];
    this.active = experiment;
    view.phase = 'starting';
    view.progress = null;
    view.outcome = null;
    view.runs = [];
    const params = { experiment, seed: this.form.seed, quick: this.form.quick };
    await this.job.start(() => worker.request('limits.run', params), { startFailure: t('limits.couldNotStart'), failure: t('limits.failed') }, {
      started: () => (view.phase = 'running'),
      event: (e) => this.handle(view, e),
      done: (e) => this.finish(view, e.reason),
      failed: () => this.finish(view, 'failed'),
      notStarted: () => this.finish(view, null),
    });
  }

  async stop(): Promise<void> {
    const experiment = this.active;
    if (!experiment || !this.job.id || this.views[experiment].phase !== 'running') return;
    this.views[experiment].phase = 'stopping';
    await this.job.control('job.cancel', t('limits.couldNotStop'));
  }

  private handle(view: ExperimentView, e: JobEvent): void {
    if (e.kind === 'limits-progress') view.progress = { phase: e.phase, step: e.step, total: e.total };
    else if (e.kind === 'limits-run') view.runs.push({ role: e.role, runId: e.runId, name: e.name });
    else if (e.kind === 'limits-result') view.result = e.result;
  }

  private finish(view: ExperimentView, outcome: ExperimentView['outcome']): void {
    this.job.release();
    view.phase = 'idle';
    view.outcome = outcome;
    view.progress = null;
    this.active = null;
  }
}

export const limits = new Limits();

import { runLimitsExperiment } from '../limits/runExperiment.ts';
import type { LimitsSettings } from '../limits/schemas.ts';
import type { RunStore } from '../runs/runStore.ts';
import type { BackendChoice } from './backendChoice.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';
import { keepTrainedModel } from './limitsRuns.ts';

/**
 * The Limits lab's experiments as jobs: each trains its own small models (kept as ordinary
 * runs, visible in Runs), measures, and reports one result.
 */
export class LimitsJobs {
  constructor(
    private readonly backend: BackendChoice,
    private readonly store: RunStore,
  ) {}

  /** Progress through the experiment's phases, each model kept as a run, then its result; cancellable, not pausable. */
  async run(settings: LimitsSettings): Promise<UnpausableJob> {
    // The experiments decode text token by token, as sampling does: the same backend check.
    const backend = await this.backend.forTextSampling();
    const { experiment } = settings;
    const store = this.store;
    return cancellableJob('limits', '', [], () => undefined, async function* (signal) {
      let finished = false;
      const kept: string[] = [];
      for await (const e of runLimitsExperiment(settings, signal)) {
        if (e.kind === 'progress') yield { kind: 'limits-progress', experiment, phase: e.phase, step: e.step, total: e.total };
        else if (e.kind === 'trained') {
          const runId = await keepTrainedModel(store, backend, e, experiment);
          kept.push(runId);
          yield { kind: 'limits-run', experiment, role: e.keep.role, runId, name: e.keep.name };
        } else {
          finished = true;
          yield { kind: 'limits-result', result: e.result };
        }
      }
      yield { kind: 'done', reason: finished && !signal.aborted ? 'completed' : 'cancelled', summary: { experiment, seed: settings.seed, runs: kept.join(',') } };
    });
  }
}

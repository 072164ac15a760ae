import { runLimitsExperiment } from '../limits/runExperiment.ts';
import type { LimitsSettings } from '../limits/schemas.ts';
import type { BackendChoice } from './backendChoice.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';

/** The Limits lab's experiments as jobs: each trains its own small models, measures, and reports one result. */
export class LimitsJobs {
  constructor(private readonly backend: BackendChoice) {}

  /** Progress through the experiment's phases, then its result; cancellable, not pausable. */
  async run(settings: LimitsSettings): Promise<UnpausableJob> {
    // The experiments decode text token by token, as sampling does: the same backend check.
    await this.backend.forTextSampling();
    const { experiment } = settings;
    return cancellableJob('limits', '', [], () => undefined, async function* (signal) {
      let finished = false;
      for await (const e of runLimitsExperiment(settings, signal)) {
        if (e.kind === 'progress') yield { kind: 'limits-progress', experiment, phase: e.phase, step: e.step, total: e.total };
        else {
          finished = true;
          yield { kind: 'limits-result', result: e.result };
        }
      }
      yield { kind: 'done', reason: finished && !signal.aborted ? 'completed' : 'cancelled', summary: { experiment, seed: settings.seed } };
    });
  }
}

import { ACCUMULATION_FULL, ACCUMULATION_QUICK, accumulationExperiment } from './errorAccumulation.ts';
import { CONTEXT_FULL, CONTEXT_QUICK, contextExperiment } from './contextLength.ts';
import { MODES_FULL, MODES_QUICK, modesExperiment } from './mixedModes.ts';
import type { LimitsSettings } from './schemas.ts';
import type { ExperimentEvent } from './training.ts';

/**
 * Runs one of the Limits lab's experiments: it makes its own seeded data, trains the small
 * models it needs (each, once trained, as a `trained` event for the worker to keep as a run),
 * measures, and streams progress then one result. Stops (without a result) when `signal` aborts.
 */
export function runLimitsExperiment(settings: LimitsSettings, signal?: AbortSignal): AsyncGenerator<ExperimentEvent> {
  const { seed, quick } = settings;
  switch (settings.experiment) {
    case 'context':
      return contextExperiment(seed, quick ? CONTEXT_QUICK : CONTEXT_FULL, signal);
    case 'accumulation':
      return accumulationExperiment(seed, quick ? ACCUMULATION_QUICK : ACCUMULATION_FULL, signal);
    case 'modes':
      return modesExperiment(seed, quick ? MODES_QUICK : MODES_FULL, signal);
  }
}

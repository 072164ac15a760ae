/**
 * The pure schemas, types and helpers of lower layers that the front ends need, re-exported so
 * that renderer/ imports only core/protocol (DESIGN.md, "Layers"; tests/architecture keeps it so).
 * Everything here is plain zod and functions: no tfjs, no Node, no DOM.
 */
export {
  describeModel,
  describeRunModel,
  RnnCell,
  RunModelConfig,
  TextModelChoice,
  PixelCnnConfig,
} from '../models/config.ts';
export { RACE_LANES, RaceLane, RaceOptions } from '../generate/options.ts';
export { laneLabel, type LaneSettings, type RaceLaneId } from '../generate/raceLanes.ts';
export {
  LIMITS_EXPERIMENTS,
  MODES_STRATEGIES,
  LimitsExperiment,
  LimitsResult,
  LimitsSettings,
  type AccumulationPoint,
  type ContextPoint,
  type ModesPoint,
  type ModesStrategy,
} from '../limits/schemas.ts';

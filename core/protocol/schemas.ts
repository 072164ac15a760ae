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
  MaskedImageConfig,
  DEFAULT_MASKED_IMAGE_CONFIG,
  ImageModelConfig,
  isImageModel,
} from '../models/config.ts';
export { DEFAULT_DRAFT, defaultDraft, FRONTIER_DRAFTS, FRONTIER_ITERATIONS, frontierSettings, RACE_LANES, RaceLane, RaceOptions } from '../generate/options.ts';
export { frontierLabel, laneLabel, type LaneSettings, type RaceLaneId } from '../generate/raceLanes.ts';
export { IMAGE_RACE_LANE_IDS, ImageRaceOptions, imageLaneLabel, type ImageRaceLaneId } from '../generate/imageRaceOptions.ts';
export { DEFAULT_CHOICE_NOISE } from '../generate/pixelcnnOptions.ts';
export { DEFAULT_IMAGE_LR } from '../train/imageConfig.ts';
export { DEFAULT_LEARNING_RATES } from '../train/config.ts';
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

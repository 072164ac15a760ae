import { z } from 'zod';
import { TrainConfig } from '../train/config.ts';
import { TextSource } from '../data/source.ts';
import { RunModelConfig } from '../models/config.ts';
import { ImageSource } from '../data/imageSource.ts';
import { KnownPixels, PixelSamplingMethod, PixelSampleOptions } from '../generate/pixelcnnOptions.ts';
import { ImageTrainConfig } from '../train/imageConfig.ts';
import { FRONTIER_STRATEGIES, RaceLane, RaceOptions, SampleOptions } from '../generate/options.ts';
import { DistillRecord, DistillSettings } from '../generate/distillOptions.ts';
import { ImageRaceLaneId, ImageRaceOptions } from '../generate/imageRaceOptions.ts';
import { LimitsExperiment, LimitsResult, LimitsSettings } from '../limits/schemas.ts';

/**
 * The worker protocol: one schema for every transport (Electron MessagePort, WebSocket,
 * in-process). Every message is validated where it enters a process.
 */
export const PROTOCOL_VERSION = 1;

const Id = z.string().min(1).max(64);
/** The largest run archive a client may send (web mode carries at most 80 MiB a message). */
export const MAX_RUN_ARCHIVE_BYTES = 72 * 1024 * 1024;
const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'a run id holds only letters, digits, - and _');

// ---------------------------------------------------------------- shared shapes
export const BackendRung = z.object({
  name: z.string(),
  available: z.boolean(),
  reason: z.string(),
});
export const BackendInfo = z.object({
  backend: z.string(),
  device: z.string(),
  threads: z.number().int(),
  rungs: z.array(BackendRung),
  versions: z.record(z.string(), z.string()),
  gpus: z
    .array(
      z.object({
        vendor: z.string(),
        architecture: z.string(),
        device: z.string(),
        description: z.string(),
        features: z.array(z.string()),
        limits: z.record(z.string(), z.number()),
      }),
    )
    .optional(),
  cuda: z.array(z.object({ library: z.string(), found: z.boolean() })).optional(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const RunState = z.enum(['created', 'training', 'paused', 'completed', 'cancelled', 'interrupted', 'failed']);
export type RunState = z.infer<typeof RunState>;

export const MetricRecord = z.object({
  step: z.number().int(),
  time: z.number(),
  trainLoss: z.number().optional(),
  valLoss: z.number().optional(),
  tokensPerSec: z.number().optional(),
  lr: z.number().optional(),
  /** PixelCNN runs: validation NLL in nats per image and in bits per pixel. */
  valNatsPerImage: z.number().optional(),
  valBitsPerDim: z.number().optional(),
  /** Mask-predict runs, at each validation: the loss with exactly half of each window hidden, no prompt. */
  maskedLoss50: z.number().optional(),
});
export type MetricRecord = z.infer<typeof MetricRecord>;

export const RunSummary = z.object({
  id: RunId,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  state: RunState,
  step: z.number().int(),
  totalSteps: z.number().int(),
  dataset: z.string(),
  model: RunModelConfig,
  lastTrainLoss: z.number().nullable(),
  lastValLoss: z.number().nullable(),
  checkpointStep: z.number().int().nullable(),
  backend: z.string(),
  /** A starter run shipped with the app (deletable; `runs.restoreStarters` brings it back). Absent on other runs. */
  starter: z.boolean().optional(),
  /** A distilled run: the AR run whose text it trained on (RunDetail.distillFrom has the settings). Absent on other runs. */
  distilledFrom: RunId.optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** What the model wrote after a validation while it trained: text, or `samples` × 784 image bits. */
export const RunPreview = z.union([
  z.object({ step: z.number().int(), text: z.string() }),
  z.object({ step: z.number().int(), samples: z.number().int(), images: z.instanceof(Uint8Array) }),
]);
export type RunPreview = z.infer<typeof RunPreview>;

export const RunDetail = RunSummary.extend({
  config: z.union([TrainConfig, ImageTrainConfig]),
  /** A distilled run: the AR run and settings its training text was written with. */
  distillFrom: DistillRecord.optional(),
  /** Every validation record and the others thinned to a few thousand (runs.metrics has them all). */
  metrics: z.array(MetricRecord),
  /** Records the run has in all. */
  metricsTotal: z.number().int(),
  /** Oldest first; the newest few hundred. */
  previews: z.array(RunPreview),
  /** Text runs: the unigram entropy of the training text, nats per character (the loss of a model that ignores context). */
  unigramEntropy: z.number().optional(),
  /** Mask-predict runs: maskedLoss50 at the last validation (see MetricRecord). */
  maskedLoss50: z.number().optional(),
  /**
   * PixelCNN runs that completed: −log p(image) in nats per image on the held-out bundled digits,
   * stochastically binarized with a fixed seed (the figure the literature reports), with its
   * bits per pixel and the digits counted; or why it is not available.
   */
  testNllStochastic: z.number().optional(),
  testNllStochasticBitsPerDim: z.number().optional(),
  testNllStochasticImages: z.number().int().optional(),
  testNllStochasticUnavailable: z.string().optional(),
});
export type RunDetail = z.infer<typeof RunDetail>;

// ---------------------------------------------------------------- job events
export const ProgressEvent = z.object({
  kind: z.literal('progress'),
  runId: RunId,
  step: z.number().int(),
  totalSteps: z.number().int(),
  trainLoss: z.number(),
  valLoss: z.number().optional(),
  /** Throughput in `unit`s per second (tokens for text, images for the PixelCNN). */
  tokensPerSec: z.number(),
  /** Absent: tokens. */
  unit: z.enum(['tokens', 'images']).optional(),
  lr: z.number(),
  elapsedSec: z.number(),
  etaSec: z.number(),
  valNatsPerImage: z.number().optional(),
  valBitsPerDim: z.number().optional(),
  /** Mask-predict runs, at each validation (see MetricRecord). */
  maskedLoss50: z.number().optional(),
  /** Text runs: the unigram entropy of the training text (see RunDetail). */
  unigramEntropy: z.number().optional(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

/** What every text generator streams (AR tokens, NAR passes, hybrid drafts, the end). */
const TokenEvent = z.object({
  kind: z.literal('token'),
  index: z.number().int(),
  tokenId: z.number().int(),
  text: z.string(),
  prob: z.number(),
});
const PassEvent = z.object({
  kind: z.literal('pass'),
  iteration: z.number().int(),
  /** Every slot's token id (-1 = not yet predicted). */
  tokens: z.array(z.number().int()),
  text: z.array(z.string()),
  probs: z.array(z.number()),
  /** Slots predicted in this pass. */
  predicted: z.array(z.number().int()),
  steps: z.number().int(),
});
const DraftEvent = z.object({ kind: z.literal('draft'), proposed: z.number().int(), accepted: z.number().int(), steps: z.number().int() });
export const LaneEvent = z.discriminatedUnion('kind', [
  TokenEvent,
  PassEvent,
  DraftEvent,
  z.object({
    kind: z.literal('done'),
    reason: z.enum(['completed', 'cancelled']),
    text: z.string(),
    tokenIds: z.array(z.number().int()),
    tokens: z.number().int(),
    steps: z.number().int(),
    elapsedMs: z.number(),
    msPerToken: z.number(),
    arPasses: z.number().int().optional(),
    drafterPasses: z.number().int().optional(),
  }),
]);
export type LaneEvent = z.infer<typeof LaneEvent>;

export const LaneResult = z.object({
  lane: RaceLane,
  label: z.string(),
  text: z.string(),
  tokens: z.number().int(),
  steps: z.number().int(),
  wallMs: z.number(),
  tokensPerSec: z.number(),
  finishOrder: z.number().int(),
  cancelled: z.boolean(),
  nll: z.number(),
  perplexity: z.number(),
  repetition: z.number(),
  distinct1: z.number(),
  distinct2: z.number(),
  /** The hybrid: its AR (verification) passes and drafter passes (steps is their sum), and tokens gained per AR pass. */
  arPasses: z.number().int().optional(),
  drafterPasses: z.number().int().optional(),
  tokensPerArPass: z.number().optional(),
});
export type LaneResult = z.infer<typeof LaneResult>;

/** One strategy on the quality–speed frontier: ms per token against NLL per character under the AR model. */
export const FrontierPoint = z.object({
  strategy: z.enum(FRONTIER_STRATEGIES),
  iterations: z.number().int().optional(),
  draft: z.number().int().optional(),
  msPerToken: z.number(),
  nll: z.number(),
});
export type FrontierPoint = z.infer<typeof FrontierPoint>;
export const ImageRaceLaneResult = z.object({
  lane: ImageRaceLaneId,
  label: z.string(),
  /** Sequential model passes (PixelCNN: one a pixel drawn; masked model: mask-predict passes). */
  passes: z.number().int(),
  wallMs: z.number(),
  /** −log p(completion) under the PixelCNN, nats per image, mean over the K samples. */
  nll: z.number(),
  nlls: z.array(z.number()),
  cancelled: z.boolean(),
});
export type ImageRaceLaneResult = z.infer<typeof ImageRaceLaneResult>;

export const JobEvent = z.discriminatedUnion('kind', [
  ProgressEvent,
  z.object({ kind: z.literal('state'), state: z.enum(['running', 'paused']) }),
  /** A training waiting for a free slot (the worker runs a limited number at once); position 1 runs next. */
  z.object({ kind: z.literal('queued'), position: z.number().int().min(1) }),
  z.object({ kind: z.literal('checkpoint'), runId: RunId, step: z.number().int() }),
  /** Something the user should know that does not stop the job (e.g. a damaged checkpoint was skipped). */
  z.object({ kind: z.literal('notice'), message: z.string() }),
  TokenEvent,
  PassEvent,
  DraftEvent,
  z.object({ kind: z.literal('race-lane'), lane: RaceLane, event: LaneEvent, laneMs: z.number() }),
  z.object({ kind: z.literal('race-finished'), lane: RaceLane, finishOrder: z.number().int(), laneMs: z.number() }),
  z.object({ kind: z.literal('race-results'), lanes: z.array(LaneResult) }),
  /** After the results: one point of the quality–speed frontier, `index` of `total`. */
  z.object({ kind: z.literal('race-frontier'), point: FrontierPoint, index: z.number().int(), total: z.number().int() }),
  /** PixelCNN: one unknown pixel drawn in each of the K samples (raster order). */
  z.object({
    kind: z.literal('pixel'),
    index: z.number().int(),
    row: z.number().int(),
    col: z.number().int(),
    values: z.instanceof(Uint8Array),
    probs: z.instanceof(Float32Array),
  }),
  /** PixelCNN: after each row, p(1) of every pixel drawn so far (K × 784, NaN elsewhere). */
  z.object({ kind: z.literal('probabilities'), row: z.number().int(), map: z.instanceof(Float32Array) }),
  /** PixelCNN: the finished images (K × 784 bits) and each one's NLL under the model. */
  z.object({
    kind: z.literal('images'),
    samples: z.number().int(),
    images: z.instanceof(Uint8Array),
    nll: z.array(z.number()),
    bitsPerDim: z.array(z.number()),
    /** How they were drawn: a PixelCNN method, or mask-predict (masked image models). */
    method: z.union([PixelSamplingMethod, z.literal('mask-predict')]),
    pixels: z.number().int(),
    elapsedMs: z.number(),
  }),
  /** Training a distilled run: the AR run has written `done` of the `total` characters it trains on. */
  z.object({ kind: z.literal('distill'), runId: RunId, done: z.number().int(), total: z.number().int() }),
  /** Masked image model sampling: the K images after each mask-predict pass (masked: 1 where drawn again next pass). */
  z.object({ kind: z.literal('image-pass'), pass: z.number().int(), passes: z.number().int(), images: z.instanceof(Uint8Array), masked: z.instanceof(Uint8Array) }),
  /** Image race: a lane's K images as it draws (pending: 1 where a pixel is not final yet). */
  z.object({
    kind: z.literal('image-race-frame'),
    lane: ImageRaceLaneId,
    images: z.instanceof(Uint8Array),
    pending: z.instanceof(Uint8Array),
    passes: z.number().int(),
    laneMs: z.number(),
  }),
  /** Image race: a lane's end, its K completions and figures (NLL under the PixelCNN, nats per image). */
  z.object({ kind: z.literal('image-race-lane'), ...ImageRaceLaneResult.shape, images: z.instanceof(Uint8Array) }),
  /** Image race: every lane's figures, in lane order. */
  z.object({ kind: z.literal('image-race-results'), lanes: z.array(ImageRaceLaneResult) }),
  /** Training a text model: a short sample after each validation (same seed each time). */
  z.object({ kind: z.literal('preview'), runId: RunId, step: z.number().int(), text: z.string() }),
  /** Training a PixelCNN: a few sampled images after each validation (K × 784 bits, same seed each time). */
  z.object({ kind: z.literal('image-preview'), runId: RunId, step: z.number().int(), samples: z.number().int(), images: z.instanceof(Uint8Array) }),
  z.object({ kind: z.literal('scaling-point'), lane: RaceLane, length: z.number().int(), ms: z.number(), steps: z.number().int() }),
  /** Limits lab: where an experiment is (training a model, measuring), step of total in that phase. */
  z.object({ kind: z.literal('limits-progress'), experiment: LimitsExperiment, phase: z.string(), step: z.number().int(), total: z.number().int() }),
  /** Limits lab: a model the experiment trained, kept as an ordinary run. */
  z.object({ kind: z.literal('limits-run'), experiment: LimitsExperiment, role: z.string().max(40), runId: RunId, name: z.string().max(200) }),
  /** Limits lab: an experiment's measurements and its caption. */
  z.object({ kind: z.literal('limits-result'), result: LimitsResult }),
  z.object({
    kind: z.literal('done'),
    reason: z.enum(['completed', 'cancelled']),
    summary: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type JobEvent = z.infer<typeof JobEvent>;

// ---------------------------------------------------------------- requests
/**
 * The reply to a request that starts a job: its id, and whether it can pause (training can;
 * sampling and races cannot, and job.pause/job.resume of them answer NOT_PAUSABLE).
 */
export const JobStarted = z.object({ jobId: Id, pausable: z.boolean() });

/** A job the worker is running (or holds in its training queue), as `jobs.list` and `job.attach` report it. */
export const JobSummary = z.object({
  jobId: Id,
  kind: z.enum(['train', 'sample', 'race', 'limits']),
  runId: z.string(),
  pausable: z.boolean(),
  state: z.enum(['queued', 'running', 'paused']),
  /** Place in the training queue (1: next), while queued. */
  position: z.number().int().min(1).optional(),
  /** The latest progress event (training), if any yet. */
  progress: ProgressEvent.optional(),
});
export type JobSummary = z.infer<typeof JobSummary>;

export const Methods = {
  info: { params: z.object({}), result: BackendInfo },
  /** Chooses the compute backend ('auto' = the ladder) and remembers it for this data folder. */
  'backend.set': { params: z.object({ prefer: z.string().min(1).max(40) }), result: BackendInfo },
  'corpora.list': { params: z.object({}), result: z.array(z.object({ name: z.string(), chars: z.number().int(), description: z.string() })) },
  /**
   * Checks a text file the person opened, when they open it (before it is listed as a corpus): an
   * empty, binary or non-UTF-8 file is refused with DATASET_ERROR and the reason; else its size in
   * characters and what was changed on the way in (the same checks training makes).
   */
  'datasets.checkText': {
    params: TextSource.options[2].omit({ kind: true }),
    result: z.object({ name: z.string(), chars: z.number().int(), notices: z.array(z.string()) }),
  },
  'train.start': {
    params: z.object({
      config: TrainConfig,
      name: z.string().max(200).optional(),
      /** Sequence-level distillation: train on text this AR run writes (its vocabulary, its data). */
      distillFrom: DistillSettings.extend({ runId: RunId }).optional(),
    }),
    result: JobStarted.extend({ runId: RunId }),
  },
  'train.resume': {
    params: z.object({ runId: RunId, extraSteps: z.number().int().min(0).max(10_000_000).default(0) }),
    result: JobStarted.extend({ runId: RunId }),
  },
  'sample.start': {
    params: z.object({ runId: RunId, options: SampleOptions }),
    result: JobStarted,
  },
  'race.start': {
    /** drafterRunId: what drafts for the hybrid, a NAR run or an AR Transformer run on the same text (default: the NAR run). */
    params: z.object({ arRunId: RunId, narRunId: RunId, drafterRunId: RunId.optional(), options: RaceOptions }),
    result: JobStarted,
  },
  'race.scaling': {
    params: z.object({
      arRunId: RunId,
      narRunId: RunId,
      options: RaceOptions,
      lengths: z.array(z.number().int().min(1).max(4096)).min(1).max(16),
    }),
    result: JobStarted,
  },
  'images.preview': {
    params: z.object({ source: ImageSource, limit: z.number().int().min(1).max(1000).default(64) }),
    result: z.object({ name: z.string(), count: z.number().int(), shown: z.number().int(), images: z.instanceof(Uint8Array) }),
  },
  'image.train.start': {
    params: z.object({ config: ImageTrainConfig, name: z.string().max(200).optional() }),
    result: JobStarted.extend({ runId: RunId }),
  },
  'image.sample.start': {
    params: z.object({ runId: RunId, options: PixelSampleOptions, known: KnownPixels.optional() }),
    result: JobStarted,
  },
  /** The image race: the known pixels completed K ways by a PixelCNN run and by a masked image run (T = 1 and T). */
  'images.race': {
    params: z.object({ arRunId: RunId, narRunId: RunId, options: ImageRaceOptions, known: KnownPixels }),
    result: JobStarted,
  },
  /** Runs one Limits lab experiment (it trains its own small models): a job that can be cancelled, not paused. */
  'limits.run': { params: LimitsSettings, result: JobStarted },
  'job.pause': { params: z.object({ jobId: Id }), result: z.object({}) },
  'job.resume': { params: z.object({ jobId: Id }), result: z.object({}) },
  'job.cancel': { params: z.object({ jobId: Id }), result: z.object({}) },
  /** The jobs running in the worker (or queued), whoever started them: a reloaded page finds its trainings here. */
  'jobs.list': { params: z.object({}), result: z.array(JobSummary) },
  /** Streams a running job's events to this client too (from the next one on); the metrics so far are in runs.get. */
  'job.attach': { params: z.object({ jobId: Id }), result: JobSummary },
  'runs.list': { params: z.object({}), result: z.array(RunSummary) },
  'runs.get': { params: z.object({ runId: RunId }), result: RunDetail },
  'runs.delete': { params: z.object({ runId: RunId }), result: z.object({}) },
  /** Every metric record of a run (runs.get thins a long run's). */
  'runs.metrics': { params: z.object({ runId: RunId }), result: z.array(MetricRecord) },
  /** A run as one .tgz file (run.json, metrics, its training data, the checkpoints that verify). */
  'runs.export': {
    params: z.object({ runId: RunId }),
    result: z.object({ fileName: z.string(), archive: z.instanceof(Uint8Array), notices: z.array(z.string()) }),
  },
  /** Adds the run in an exported archive (under a new id if its own is taken). */
  'runs.import': {
    params: z.object({
      archive: z.instanceof(Uint8Array).refine((b) => b.byteLength <= MAX_RUN_ARCHIVE_BYTES, `run archives over ${MAX_RUN_ARCHIVE_BYTES / 2 ** 20} MiB are not supported here`),
      fileName: z.string().max(255).optional(),
    }),
    result: RunSummary,
  },
  /** Adds back the starter runs shipped with the app that are missing from the runs folder (none is replaced). */
  'runs.restoreStarters': { params: z.object({}), result: z.object({ restored: z.array(RunSummary), present: z.array(RunId) }) },
} as const;
export type Methods = typeof Methods;
export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = z.infer<Methods[M]['result']>;

export const MethodName = z.enum(Object.keys(Methods) as [MethodName, ...MethodName[]]);

export const RequestMessage = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('request'),
  id: Id,
  method: MethodName,
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const ResponseMessage = z.discriminatedUnion('ok', [
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('response'), id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('response'), id: z.string(), ok: z.literal(false), error: ErrorInfo }),
]);
export type ResponseMessage = z.infer<typeof ResponseMessage>;

export const EventMessage = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('event'),
  jobId: Id,
  event: JobEvent,
});
export type EventMessage = z.infer<typeof EventMessage>;

/** Worker → client. */
export const ServerMessage = z.union([ResponseMessage, EventMessage]);
export type ServerMessage = z.infer<typeof ServerMessage>;

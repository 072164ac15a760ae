import { availableParallelism } from 'node:os';
import type { FileAccess } from '../data/dataPath.ts';
import type { ImageSource } from '../data/imageSource.ts';
import type { ImageRaceOptions } from '../generate/imageRaceOptions.ts';
import type { RaceOptions, SampleOptions } from '../generate/options.ts';
import type { KnownPixels, PixelSampleOptions } from '../generate/pixelcnnOptions.ts';
import type { BackendInfo, MetricRecord, ResultOf, RunDetail, RunSummary } from '../protocol/messages.ts';
import { RunStore } from '../runs/runStore.ts';
import type { TrainConfig } from '../train/config.ts';
import type { ImageTrainConfig } from '../train/imageConfig.ts';
import type { LimitsSettings } from '../limits/schemas.ts';
import { BackendChoice } from './backendChoice.ts';
import { DataSources } from './dataSources.ts';
import { LimitsJobs } from './limitsJobs.ts';
import type { Job } from './job.ts';
import { ImageRaceJobs } from './imageRaceJobs.ts';
import { RaceJobs } from './raceJobs.ts';
import { readSettings } from './settings.ts';
import { RunCatalogue } from './runCatalogue.ts';
import { SamplingJobs } from './samplingJobs.ts';
import { TrainingJobs } from './trainingJobs.ts';
import { installMissingStarters, installStartersOnFirstStart, starterAssetsDir, type StarterDeps } from './starterRuns.ts';
import { RunStoreError } from '../errors.ts';
import type { DistillRequest } from './distillTraining.ts';

export type { Job, PausableJob, UnpausableJob } from './job.ts';

export interface StudioOptions {
  /** Folder that holds runs/. */
  home: string;
  /** Backend override (e.g. 'cpu'); default: the best rung of the ladder. */
  backend?: string;
  /** Minimum time between training progress events (ms). */
  progressIntervalMs?: number;
  /**
   * Which files a `file` data source may name (core/data/dataPath.ts). Default 'datasets': only
   * files inside `<home>/datasets`, as every protocol client gets; the CLI passes 'any'.
   */
  fileAccess?: FileAccess;
  /** Trainings run at once (more wait in a queue); default: settings.json's maxConcurrentTrainings, else one per core. */
  maxConcurrentTrainings?: number;
  /**
   * The folder of starter run archives to install into a data folder that never had them
   * (core/worker/starterRuns.ts); absent: none are installed on start (restoreStarters still
   * reads the default folder).
   */
  starterRuns?: string;
  /** Where a problem that does not stop the Studio goes (a starter run that cannot be installed); default: stderr. */
  warn?: (message: string) => void;
}

/**
 * The core services behind the protocol: runs, training and sampling. One per worker process;
 * the dispatcher calls it for every client. A facade: each concern lives in its own module
 * (backendChoice, dataSources, trainingJobs, samplingJobs, raceJobs, runCatalogue).
 */
export class Studio {
  private readonly store: RunStore;
  private readonly backend: BackendChoice;
  private readonly data: DataSources;
  private readonly catalogue: RunCatalogue;
  private readonly training: TrainingJobs;
  private readonly sampling: SamplingJobs;
  private readonly races: RaceJobs;
  private readonly concurrentTrainings: number;
  private readonly imageRaces: ImageRaceJobs;
  private readonly limitsJobs: LimitsJobs;
  private readonly starterDeps: StarterDeps;
  /** The first-start install of the starter runs; every call that reads runs waits for it. */
  private readonly starters: Promise<unknown>;

  constructor(options: StudioOptions) {
    this.concurrentTrainings = options.maxConcurrentTrainings ?? readSettings(options.home).maxConcurrentTrainings ?? availableParallelism();
    this.store = new RunStore(options.home);
    this.backend = new BackendChoice(options.home, options.backend, () => this.training.training());
    this.data = new DataSources(options.home, options.fileAccess ?? 'datasets');
    this.catalogue = new RunCatalogue(this.store, this.backend, (runId) => this.training.training(runId));
    this.training = new TrainingJobs({
      store: this.store,
      backend: this.backend,
      data: this.data,
      catalogue: this.catalogue,
      progressIntervalMs: options.progressIntervalMs,
    });
    this.sampling = new SamplingJobs(this.store, this.backend);
    this.races = new RaceJobs(this.sampling);
    this.imageRaces = new ImageRaceJobs(this.store, this.backend);
    this.limitsJobs = new LimitsJobs(this.backend, this.store);
    this.starterDeps = {
      home: options.home,
      dir: options.starterRuns ?? starterAssetsDir(),
      hasRun: (runId) => this.store.open(runId).then(() => true, () => false),
      // Checkpoints are verified by decoding their weights, on the backend in use.
      importRun: async (archive, fileName) => this.catalogue.importRun(archive, fileName),
      deleteRun: (runId) => this.catalogue.deleteRun(runId),
    };
    const warn = options.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
    this.starters = options.starterRuns === undefined ? Promise.resolve() : installStartersOnFirstStart(this.starterDeps, warn);
  }

  /** Runs `use` once the first-start install of the starter runs is over. */
  private async afterStarters<T>(use: () => Promise<T>): Promise<T> {
    await this.starters;
    return use();
  }

  /**
   * Adds back the starter runs missing from the runs folder (those there are left as they are).
   * A starter that cannot be installed is a RunStoreError saying why, after the others are in.
   */
  async restoreStarters(): Promise<ResultOf<'runs.restoreStarters'>> {
    await this.starters;
    const outcome = await installMissingStarters(this.starterDeps);
    if (outcome.failed.length > 0) {
      const added = outcome.restored.length ? ` (restored: ${outcome.restored.map((r) => r.id).join(', ')})` : '';
      throw new RunStoreError(`${outcome.failed.map((f) => `The starter run ${f.runId} could not be installed: ${f.message}`).join('; ')}${added}`);
    }
    return { restored: outcome.restored, present: outcome.present };
  }

  /** How many trainings the worker runs at once; the dispatcher queues the others (jobRegistry.ts). */
  maxConcurrentTrainings(): number {
    return this.concurrentTrainings;
  }

  get runsRoot(): string {
    return this.store.root;
  }

  /** The backend in use: the override given to the Studio, else the one remembered in settings.json, else the ladder. */
  info(): Promise<BackendInfo> {
    return this.backend.info();
  }

  /** Switches the compute backend ('auto' for the ladder) and remembers it; refused while a run trains. */
  setBackend(prefer: string): Promise<BackendInfo> {
    return this.backend.set(prefer);
  }

  corpora(): Promise<ResultOf<'corpora.list'>> {
    return this.data.corpora();
  }

  /** Loads an image set for a preview: its name, its size and `limit` images spread across it. */
  imagePreview(source: ImageSource, limit: number): Promise<ResultOf<'images.preview'>> {
    return this.data.imagePreview(source, limit);
  }

  /** A new text run; with `distillFrom`, on text that AR run writes first (sequence-level distillation). */
  startTraining(config: TrainConfig, name?: string, distillFrom?: DistillRequest): Promise<Job> {
    return this.afterStarters(() => (distillFrom ? this.training.startDistilled(config, distillFrom, name) : this.training.startText(config, name)));
  }

  startImageTraining(config: ImageTrainConfig, name?: string): Promise<Job> {
    return this.training.startImages(config, name);
  }

  resumeTraining(runId: string, extraSteps: number): Promise<Job> {
    return this.afterStarters(() => this.training.resume(runId, extraSteps));
  }

  sample(runId: string, options: SampleOptions): Promise<Job> {
    return this.afterStarters(() => this.sampling.sampleText(runId, options));
  }

  /** K PixelCNN samples, or K completions of the known pixels, streamed pixel by pixel. */
  sampleImages(runId: string, options: PixelSampleOptions, known?: KnownPixels): Promise<Job> {
    return this.afterStarters(() => this.sampling.sampleImages(runId, options, known));
  }

  /** `drafterRunId`: what drafts for the hybrid (the NAR run when absent). */
  race(arRunId: string, narRunId: string, options: RaceOptions, drafterRunId?: string): Promise<Job> {
    return this.afterStarters(() => this.races.race(arRunId, narRunId, options, drafterRunId));
  }

  scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<Job> {
    return this.afterStarters(() => this.races.scaling(arRunId, narRunId, options, lengths));
  }

  /** The image race: known pixels completed K ways by a PixelCNN run and by a masked image run (T = 1 and T). */
  raceImages(arRunId: string, narRunId: string, options: ImageRaceOptions, known: KnownPixels): Promise<Job> {
    return this.afterStarters(() => this.imageRaces.race(arRunId, narRunId, options, known));
  }

  /** One Limits lab experiment: it trains its own small models on a synthetic task and measures them. */
  limits(settings: LimitsSettings): Promise<Job> {
    return this.limitsJobs.run(settings);
  }

  listRuns(): Promise<RunSummary[]> {
    return this.afterStarters(() => this.catalogue.list());
  }

  getRun(runId: string): Promise<RunDetail> {
    return this.afterStarters(() => this.catalogue.detail(runId));
  }

  /** Every metric record of a run (getRun thins a long run's), for exports. */
  runMetrics(runId: string): Promise<MetricRecord[]> {
    return this.afterStarters(() => this.catalogue.metrics(runId));
  }

  /** A run as one .tgz file; checkpoints that do not verify are left out, with a notice each. */
  exportRun(runId: string): Promise<ResultOf<'runs.export'>> {
    return this.afterStarters(() => this.catalogue.exportRun(runId));
  }

  /** Adds the run in an exported archive; RunStoreError (nothing added) when any part of it is wrong. */
  importRun(archive: Uint8Array, fileName?: string): Promise<RunSummary> {
    return this.afterStarters(() => this.catalogue.importRun(archive, fileName));
  }

  deleteRun(runId: string): Promise<void> {
    return this.afterStarters(() => this.catalogue.deleteRun(runId));
  }
}

import * as tf from '@tensorflow/tfjs';
import { BUILTIN_CORPUS_TABLE, loadBuiltinCorpus } from '../data/builtinCorpora.ts';
import { datasetsFolder, resolveDatasetPath, type FileAccess } from '../data/dataPath.ts';
import { TextDataset } from '../data/textDataset.ts';
import { loadTextSource } from '../data/textSource.ts';
import { CharVocabulary } from '../data/vocabulary.ts';
import { CheckpointError, ConfigError, RunStoreError, errorInfo } from '../errors.ts';
import { generateAutoregressive } from '../generate/autoregressive.ts';
import type { RaceOptions, SampleOptions } from '../generate/options.ts';
import { generateMaskPredict } from '../generate/maskPredictDecoding.ts';
import { measureScaling, runRace } from '../generate/race.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import { TransformerModel } from '../models/transformer.ts';
import { buildTextModel } from '../models/build.ts';
import { describeModel, describeRunModel, type TextModelConfig } from '../models/config.ts';
import { IMAGE_PIXELS, IMAGE_SIDE, ImageDataset } from '../data/imageSet.ts';
import { loadImageSource } from '../data/imageImport.ts';
import type { ImageSource } from '../data/imageSource.ts';
import type { KnownPixels, PixelSampleOptions } from '../generate/pixelcnnOptions.ts';
import { samplePixelCnn } from '../generate/pixelcnnSampling.ts';
import { PixelCnnModel, bitsPerDim, natsPerImage } from '../models/pixelcnn.ts';
import { ImageTrainConfig } from '../train/imageConfig.ts';
import type { TextModel } from '../models/textModel.ts';
import type { BackendInfo, JobEvent, MetricRecord, ResultOf, RunDetail, RunSummary } from '../protocol/messages.ts';
import { currentProcessOwner, ownerAlive } from '../runs/processIdentity.ts';
import type { RunMeta } from '../runs/runMeta.ts';
import { exportRunArchive, importRunArchive } from '../runs/runArchive.ts';
import { RunStore, type MetricLine, type NewRun, type RunHandle } from '../runs/runStore.ts';
import { thinMetrics } from '../runs/thinMetrics.ts';
import { AUTO, BACKEND_LADDER, initBackend, parseBackendName } from '../tensor/backend.ts';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import { readableOnHost } from '../tensor/hostCopy.ts';
import { readSettings, writeSettings } from './settings.ts';
import { textRunFigures } from './runFigures.ts';
import { AdamOptimizer } from '../train/adam.ts';
import { TrainConfig } from '../train/config.ts';
import { imageTrainingTask, textTrainingTask, type TrainingTask } from '../train/task.ts';
import { Trainer, type LoopSettings } from '../train/trainer.ts';

/** A long-running piece of work (training or sampling). Every job can be cancelled. */
export interface Job {
  readonly kind: 'train' | 'sample' | 'race';
  readonly runId: string;
  /** The job's events, ending with exactly one `done` or `error` event. Iterate once. */
  events(): AsyncIterable<JobEvent>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

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
}

const MODEL_PREFIX = 'model/';

interface LoadedRunModel {
  runId: string;
  model: TextModel;
  vocab: CharVocabulary;
  checkpointStep: number;
  notices: string[];
}

/**
 * The core services behind the protocol: runs, training and sampling. One per worker process;
 * the dispatcher calls it for every client.
 */
export class Studio {
  private readonly store: RunStore;
  private backend: Promise<BackendInfo> | null = null;
  /** Runs being trained by this process. */
  private readonly training = new Map<string, Job>();

  constructor(private readonly options: StudioOptions) {
    this.store = new RunStore(options.home);
  }

  get runsRoot(): string {
    return this.store.root;
  }

  /** The backend in use: the override given to the Studio, else the one remembered in settings.json, else the ladder. */
  info(): Promise<BackendInfo> {
    this.backend ??= initBackend({ prefer: this.options.backend ?? readSettings(this.options.home).backend });
    return this.backend;
  }

  /**
   * Switches the compute backend ('auto' for the ladder) and remembers the choice for this data
   * folder. An unavailable choice falls back down the ladder; the returned report says why.
   */
  async setBackend(prefer: string): Promise<BackendInfo> {
    if (prefer !== AUTO && parseBackendName(prefer) === null) {
      throw new ConfigError(`"${prefer}" is not a backend: choose one of ${[AUTO, ...BACKEND_LADDER].join(', ')}`);
    }
    if (this.training.size > 0) throw new ConfigError('a run is training: stop it before switching the compute backend');
    await this.info().catch(() => undefined);
    const info = await initBackend({ prefer });
    this.backend = Promise.resolve(info);
    await writeSettings(this.options.home, { ...readSettings(this.options.home), backend: prefer === AUTO ? undefined : prefer });
    return info;
  }

  async corpora(): Promise<ResultOf<'corpora.list'>> {
    return BUILTIN_CORPUS_TABLE.map((c) => ({ name: c.name, description: c.description, chars: [...loadBuiltinCorpus(c.name)].length }));
  }

  async startTraining(config: TrainConfig, name?: string): Promise<Job> {
    const backend = await this.info();
    const source = await loadTextSource(await this.allowedSource(config.data));
    const dataset = TextDataset.fromText(source.name, source.text, { valFraction: config.valFraction });
    dataset.checkFits(config.seq);
    const model: TextModelConfig = { ...config.model, vocabSize: dataset.vocab.size };
    const stored = { ...config, data: config.data.kind === 'upload' ? { kind: 'file', path: 'corpus.txt' } : config.data };
    const run = await this.store.create({
      name: name?.trim() || `${describeModel(model)} on ${source.name}`,
      dataset: source.name,
      corpusText: source.text,
      meta: freshRunMeta(backend, { totalSteps: config.steps, config: stored, model, vocab: dataset.vocab.toJSON() }),
    });
    const textModel = buildTextModel(model, config.seed);
    return this.trainingJob(run, textModel, new AdamOptimizer(textModel.weights), textTrainingTask(textModel, dataset, config, { preview: true }), config, 0, []);
  }

  async resumeTraining(runId: string, extraSteps: number): Promise<Job> {
    await this.info();
    if (this.training.has(runId)) throw new ConfigError(`run ${runId} is already training`);
    const run = await this.reconcile(await this.store.open(runId));
    const runModel = run.meta.model;
    const storedConfig = (runModel.family === 'pixelcnn' ? ImageTrainConfig : TrainConfig).safeParse(run.meta.config);
    if (!storedConfig.success) throw new RunStoreError(`run ${runId} has a damaged configuration in run.json`);
    const { checkpoint, skipped } = await run.checkpoints.loadLatest();
    const startStep = checkpoint?.step ?? 0;
    const total = Math.max(run.meta.totalSteps, startStep) + extraSteps;
    if (startStep >= total) {
      checkpoint && tf.dispose(Object.values(checkpoint.tensors));
      throw new ConfigError(`run ${runId} has finished all ${total} of its steps: ask for more steps to train it further`);
    }
    let model: { weights: ReadonlyMap<string, tf.Variable>; dispose(): void };
    let task: TrainingTask;
    const config = { ...storedConfig.data, steps: total };
    try {
      if (runModel.family === 'pixelcnn') {
        const imageConfig = config as ImageTrainConfig;
        const dataset = ImageDataset.fromImages(run.meta.dataset, await run.readImages(), { valFraction: imageConfig.valFraction, seed: imageConfig.seed });
        const pixelModel = new PixelCnnModel(runModel, imageConfig.seed);
        model = pixelModel;
        task = imageTrainingTask(pixelModel, dataset, imageConfig, { preview: true });
      } else {
        const textConfig = config as TrainConfig;
        const vocab = CharVocabulary.fromJSON(run.meta.vocab);
        const dataset = TextDataset.fromText(run.meta.dataset, await run.readCorpus(), { valFraction: textConfig.valFraction, vocab });
        const textModel = buildTextModel(runModel, textConfig.seed);
        model = textModel;
        task = textTrainingTask(textModel, dataset, textConfig, { preview: true });
      }
    } catch (err) {
      checkpoint && tf.dispose(Object.values(checkpoint.tensors));
      throw err;
    }
    const optimizer = new AdamOptimizer(model.weights);
    if (checkpoint) {
      try {
        restoreWeights(model, checkpoint.tensors);
        optimizer.importState(checkpoint.tensors, Number(checkpoint.metadata.optimizerStep ?? startStep));
      } catch (err) {
        model.dispose();
        optimizer.dispose();
        throw err instanceof CheckpointError ? err : new CheckpointError(`the checkpoint at step ${startStep} does not fit run ${runId}: ${(err as Error).message}`);
      } finally {
        tf.dispose(Object.values(checkpoint.tensors));
      }
    }
    await run.truncateMetricsAfter(startStep);
    await run.update({ totalSteps: total, step: startStep, config: { ...run.meta.config, steps: total } });
    const notices = skipped.map((s) => `Skipped the damaged checkpoint at step ${s.step}: ${s.reason}`);
    if (!checkpoint) notices.push('This run has no usable checkpoint: training starts again from step 0.');
    return this.trainingJob(run, model, optimizer, task, config, startStep, notices);
  }

  /** Loads an image set for a preview: its name, its size and `limit` images spread across it. */
  async imagePreview(source: ImageSource, limit: number): Promise<ResultOf<'images.preview'>> {
    const set = await loadImageSource(await this.allowedImageSource(source));
    const shown = Math.min(limit, set.count);
    // Spread over the whole set (the built-in digits are stored class by class).
    const images = new Uint8Array(shown * IMAGE_PIXELS);
    for (let i = 0; i < shown; i++) {
      const from = Math.floor((i * set.count) / shown);
      images.set(set.images.subarray(from * IMAGE_PIXELS, (from + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    }
    return { name: set.name, count: set.count, shown, images };
  }

  async startImageTraining(config: ImageTrainConfig, name?: string): Promise<Job> {
    const backend = await this.info();
    const set = await loadImageSource(await this.allowedImageSource(config.data));
    const dataset = ImageDataset.fromImages(set.name, set.images, { valFraction: config.valFraction, seed: config.seed });
    const stored = { ...config, data: config.data.kind === 'upload' ? { kind: 'file', path: 'images.bin' } : config.data };
    const run = await this.store.create({
      name: name?.trim() || `${describeRunModel(config.model)} on ${set.name}`,
      dataset: set.name,
      images: set.images,
      meta: freshRunMeta(backend, { totalSteps: config.steps, config: stored, model: config.model, vocab: [] }),
    });
    const model = new PixelCnnModel(config.model, config.seed);
    return this.trainingJob(run, model, new AdamOptimizer(model.weights), imageTrainingTask(model, dataset, config, { preview: true }), config, 0, []);
  }

  /** K PixelCNN samples, or K completions of the known pixels, streamed pixel by pixel. */
  async sampleImages(runId: string, options: PixelSampleOptions, known?: KnownPixels): Promise<Job> {
    const { backend } = await this.info();
    const run = await this.store.open(runId);
    if (run.meta.model.family !== 'pixelcnn') throw new ConfigError(`run ${runId} is a text model: sample it as text`);
    if (known && (known.values.length !== IMAGE_PIXELS || known.mask.length !== IMAGE_PIXELS)) {
      throw new ConfigError(`known pixels must cover a ${IMAGE_SIDE}×${IMAGE_SIDE} image (${IMAGE_PIXELS} values and ${IMAGE_PIXELS} mask entries)`);
    }
    const runModel = run.meta.model;
    const { model, checkpointStep, notices } = await loadTrainedModel(run, () => new PixelCnnModel(runModel));
    return cancellableJob('sample', runId, notices, () => model.dispose(), async function* (signal) {
      for await (const e of samplePixelCnn(model, { ...options, known, signal })) {
        if (e.kind !== 'done') {
          yield e as JobEvent;
          continue;
        }
        yield {
          kind: 'images',
          samples: options.samples,
          images: e.images as Uint8Array<ArrayBuffer>,
          nll: e.nll,
          bitsPerDim: e.bitsPerDim,
          method: e.method,
          pixels: e.pixels,
          elapsedMs: e.elapsedMs,
        };
        yield {
          kind: 'done',
          reason: e.reason,
          summary: { runId, samples: options.samples, method: e.method, pixels: e.pixels, elapsedMs: e.elapsedMs, msPerPixel: e.msPerPixel, checkpointStep, backend },
        };
      }
    });
  }

  /**
   * Text generation reads every token's logits synchronously, which TensorFlow.js's WebGPU backend
   * cannot do in Node; there text models decode on the CPU through the project's decoders (the
   * PixelCNN sampler reads asynchronously and runs on the GPU). Without those decoders' kernels,
   * text sampling on webgpu says so plainly instead of failing mid-way.
   */
  private async textSamplingBackend(): Promise<void> {
    const info = await this.info();
    if (info.backend !== 'webgpu' || fastDecodersAvailable()) return;
    throw new ConfigError(
      "text sampling on the webgpu backend needs the project's WebAssembly kernels (build/wasm, built by npm install): rebuild them with npm run build:wasm, or sample with the wasm backend (--backend wasm, or the status bar menu)",
    );
  }

  /** Builds a run's model from its newest good checkpoint. */
  private async loadRunModel(runId: string): Promise<LoadedRunModel> {
    await this.textSamplingBackend();
    const run = await this.store.open(runId);
    const runModel = run.meta.model;
    if (runModel.family === 'pixelcnn') throw new ConfigError(`run ${runId} is a PixelCNN: sample it in the Image lab (or ars sample --out grid.png)`);
    const { model, checkpointStep, notices } = await loadTrainedModel(run, () => buildTextModel(runModel));
    return { runId, model, vocab: CharVocabulary.fromJSON(run.meta.vocab), checkpointStep, notices };
  }

  async sample(runId: string, options: SampleOptions): Promise<Job> {
    const loaded = await this.loadRunModel(runId);
    const { model, vocab, checkpointStep, notices } = loaded;
    const { backend } = await this.info();
    try {
      vocab.encode(options.prompt); // an unknown prompt character is an error now, not a failed job
    } catch (err) {
      model.dispose();
      throw err;
    }
    return cancellableJob('sample', runId, notices, () => model.dispose(), async function* (signal) {
      const generate = model instanceof MaskPredictModel ? generateMaskPredict(model, vocab, options, signal) : generateAutoregressive(model, vocab, options, signal);
      for await (const e of generate) {
        if (e.kind !== 'done') yield e;
        else
          yield {
            kind: 'done',
            reason: e.reason,
            summary: { runId, text: e.text, tokens: e.tokens, steps: e.steps, elapsedMs: e.elapsedMs, msPerToken: e.msPerToken, checkpointStep, backend },
          };
      }
    });
  }

  /** Loads the two runs a race compares: an AR Transformer and a mask-predict model on the same text. */
  private async loadRacers(arRunId: string, narRunId: string): Promise<{ ar: TransformerModel; nar: MaskPredictModel; vocab: CharVocabulary; notices: string[]; dispose(): void }> {
    const a = await this.loadRunModel(arRunId);
    let n: LoadedRunModel;
    try {
      n = await this.loadRunModel(narRunId);
    } catch (err) {
      a.model.dispose();
      throw err;
    }
    const dispose = () => {
      a.model.dispose();
      n.model.dispose();
    };
    if (!(a.model instanceof TransformerModel)) {
      dispose();
      throw new ConfigError(`run ${arRunId} is not an autoregressive Transformer: the race needs one for its AR lanes`);
    }
    if (!(n.model instanceof MaskPredictModel)) {
      dispose();
      throw new ConfigError(`run ${narRunId} is not a non-autoregressive (mask-predict) Transformer`);
    }
    if (a.vocab.toJSON().join('') !== n.vocab.toJSON().join('')) {
      dispose();
      throw new ConfigError('the AR and NAR runs were trained on different texts (their vocabularies differ): train both on the same text');
    }
    return { ar: a.model, nar: n.model, vocab: a.vocab, notices: [...a.notices, ...n.notices], dispose };
  }

  async race(arRunId: string, narRunId: string, options: RaceOptions): Promise<Job> {
    const racers = await this.loadRacers(arRunId, narRunId);
    try {
      racers.vocab.encode(options.prompt);
    } catch (err) {
      racers.dispose();
      throw err;
    }
    return cancellableJob('race', arRunId, racers.notices, racers.dispose, async function* (signal) {
      let lanes = 0;
      for await (const e of runRace(racers.ar, racers.nar, racers.vocab, options, signal)) {
        if (e.kind === 'lane') yield { kind: 'race-lane', lane: e.lane, event: e.event, laneMs: e.laneMs };
        else if (e.kind === 'finished') yield { kind: 'race-finished', lane: e.lane, finishOrder: e.finishOrder, laneMs: e.laneMs };
        else {
          lanes = e.lanes.length;
          yield { kind: 'race-results', lanes: e.lanes };
        }
      }
      yield { kind: 'done', reason: signal.aborted ? 'cancelled' : 'completed', summary: { arRunId, narRunId, lanes } };
    });
  }

  async scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<Job> {
    const racers = await this.loadRacers(arRunId, narRunId);
    return cancellableJob('race', arRunId, racers.notices, racers.dispose, async function* (signal) {
      let points = 0;
      for await (const p of measureScaling(racers.ar, racers.nar, racers.vocab, options, lengths, signal)) {
        points++;
        yield { kind: 'scaling-point', ...p };
      }
      yield { kind: 'done', reason: signal.aborted ? 'cancelled' : 'completed', summary: { points } };
    });
  }

  async listRuns(): Promise<RunSummary[]> {
    const runs = await this.store.list();
    return Promise.all(runs.map(async (r) => summary((await this.reconcile(r)).meta)));
  }

  async getRun(runId: string): Promise<RunDetail> {
    const run = await this.reconcile(await this.store.open(runId));
    const config = (run.meta.model.family === 'pixelcnn' ? ImageTrainConfig : TrainConfig).safeParse(run.meta.config);
    if (!config.success) throw new RunStoreError(`run ${runId} has a damaged configuration in run.json`);
    const all = await run.readMetrics();
    const metrics = thinMetrics(all, MAX_DETAIL_METRICS).map(metricRecord);
    const previews = (await run.readPreviews(MAX_DETAIL_PREVIEWS)) as RunDetail['previews'];
    return { ...summary(run.meta), config: config.data, metrics, metricsTotal: all.length, previews, ...(await textRunFigures(run, all)) };
  }

  /** Every metric record of a run (getRun thins a long run's), for exports. */
  async runMetrics(runId: string): Promise<MetricRecord[]> {
    const run = await this.store.open(runId);
    return (await run.readMetrics()).map(metricRecord);
  }

  /** A run as one .tgz file; checkpoints that do not verify are left out, with a notice each. */
  async exportRun(runId: string): Promise<ResultOf<'runs.export'>> {
    await this.info(); // checkpoints are verified by decoding their weights
    const archive = await exportRunArchive(await this.store.open(runId));
    const notices = archive.skipped.map((s) => `The checkpoint at step ${s.step} was left out of the export: ${s.reason}`);
    return { fileName: archive.fileName, archive: archive.bytes as Uint8Array<ArrayBuffer>, notices };
  }

  /** Adds the run in an exported archive; RunStoreError (nothing added) when any part of it is wrong. */
  async importRun(archive: Uint8Array, fileName?: string): Promise<RunSummary> {
    await this.info();
    const run = await importRunArchive(this.store, archive, fileName === undefined ? 'the archive' : `"${fileName}"`);
    return summary(run.meta);
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.training.has(runId)) throw new ConfigError(`run ${runId} is training: stop it before deleting it`);
    await this.store.delete(runId);
  }

  /** A `file` or `folder` image source must name a path the caller may read (as allowedSource). */
  private async allowedImageSource(data: ImageSource): Promise<ImageSource> {
    if ((data.kind !== 'file' && data.kind !== 'folder') || (this.options.fileAccess ?? 'datasets') === 'any') return data;
    return { kind: data.kind, path: await resolveDatasetPath(datasetsFolder(this.options.home), data.path) };
  }

  /** A `file` source must name a file the caller may read (see StudioOptions.fileAccess). */
  private async allowedSource(data: TrainConfig['data']): Promise<TrainConfig['data']> {
    if (data.kind !== 'file' || (this.options.fileAccess ?? 'datasets') === 'any') return data;
    return { kind: 'file', path: await resolveDatasetPath(datasetsFolder(this.options.home), data.path) };
  }

  /**
   * A run left 'training' by a process that is gone (a crash, a kill) is marked interrupted. The
   * owner is recognised by pid and start time, so a pid reused by another program does not keep
   * the run 'training'. Where run.json cannot be written (a read-only folder) the run is still
   * reported as interrupted.
   */
  private async reconcile(run: RunHandle): Promise<RunHandle> {
    const { state, pid } = run.meta;
    if ((state === 'training' || state === 'paused') && !this.training.has(run.id) && !(pid !== process.pid && ownerAlive(run.meta))) {
      const patch = { state: 'interrupted' as const, pid: null, pidStart: null };
      await run.update(patch).catch(() => run.assume(patch));
    }
    return run;
  }

  private trainingJob(
    run: RunHandle,
    model: { weights: ReadonlyMap<string, tf.Variable>; dispose(): void },
    optimizer: AdamOptimizer,
    task: TrainingTask,
    config: LoopSettings,
    startStep: number,
    notices: string[],
  ): Job {
    const runId = run.id;
    const trainer = new Trainer({
      task,
      optimizer,
      config,
      startStep,
      progressIntervalMs: this.options.progressIntervalMs,
      hooks: {
        recordMetrics: (records) => run.appendMetrics(records.map((r) => ({ ...r, ...imageFigures(r.valLoss) }))),
        saveCheckpoint: async (step) => {
          const { tensors, step: optimizerStep } = optimizer.exportState();
          const all: tf.NamedTensorMap = { ...tensors };
          for (const [name, v] of model.weights) all[MODEL_PREFIX + name] = v;
          await run.checkpoints.save(all, { step, optimizerStep, model: run.meta.model.family });
          await run.update({ checkpointStep: step });
        },
      },
    });
    const training = this.training;
    /** PixelCNN validation NLL also in nats per image and bits per pixel (the loss is mean nats per pixel). */
    const imageFigures = (valLoss: number | undefined) =>
      task.unit === 'images' && valLoss !== undefined ? { valNatsPerImage: natsPerImage(valLoss), valBitsPerDim: bitsPerDim(valLoss) } : {};
    const job: Job = {
      kind: 'train',
      runId,
      pause: () => trainer.pause(),
      resume: () => trainer.resume(),
      cancel: () => trainer.cancel(),
      async *events(): AsyncGenerator<JobEvent> {
        try {
          await run.update({ state: 'training', ...currentProcessOwner(), error: null });
          for (const message of notices) yield { kind: 'notice', message };
          for await (const e of trainer.run()) {
            switch (e.kind) {
              case 'progress':
                if (e.valLoss !== undefined) await run.update({ step: e.step, lastTrainLoss: e.trainLoss, lastValLoss: e.valLoss });
                yield { ...e, runId, unit: task.unit, ...imageFigures(e.valLoss), ...(task.unigramEntropy === undefined ? {} : { unigramEntropy: task.unigramEntropy }) };
                break;
              case 'state':
                await run.update({ state: e.state === 'paused' ? 'paused' : 'training' });
                yield e;
                break;
              case 'checkpoint':
                yield { kind: 'checkpoint', runId, step: e.step };
                break;
              case 'notice':
                yield e;
                break;
              case 'preview': {
                const preview = { step: e.step, ...e.preview };
                // Kept with the run for its replay; a preview that cannot be saved costs only itself.
                await run.appendPreview(preview).catch(() => undefined);
                if ('text' in preview) yield { kind: 'preview', runId, step: e.step, text: preview.text };
                else yield { kind: 'image-preview', runId, step: e.step, samples: preview.samples, images: preview.images as Uint8Array<ArrayBuffer> };
                break;
              }
              case 'done':
                await run.update({
                  state: e.reason === 'completed' ? 'completed' : 'cancelled',
                  step: e.step,
                  lastTrainLoss: e.trainLoss,
                  lastValLoss: e.valLoss ?? run.meta.lastValLoss,
                  pid: null,
                  pidStart: null,
                });
                yield { kind: 'done', reason: e.reason, summary: { runId, step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss } };
                break;
            }
          }
        } catch (err) {
          const info = errorInfo(err);
          const failed = { state: 'failed' as const, error: info.message, pid: null, pidStart: null };
          // A folder that cannot be written (read-only, full) still reports the failure in this process.
          await run.update(failed).catch(() => run.assume(failed));
          yield { kind: 'error', ...info };
        } finally {
          training.delete(runId);
          model.dispose();
          optimizer.dispose();
        }
      },
    };
    training.set(runId, job);
    return job;
  }
}

/**
 * A job that streams `body`'s events after the notices and can be cancelled (not paused); a
 * thrown error becomes an `error` event; `dispose` runs once the stream ends, however it ends.
 */
function cancellableJob(
  kind: Job['kind'],
  runId: string,
  notices: readonly string[],
  dispose: () => void,
  body: (signal: AbortSignal) => AsyncGenerator<JobEvent>,
): Job {
  const abort = new AbortController();
  return {
    kind,
    runId,
    pause() {},
    resume() {},
    cancel: () => abort.abort(),
    async *events(): AsyncGenerator<JobEvent> {
      try {
        for (const message of notices) yield { kind: 'notice', message };
        yield* body(abort.signal);
      } catch (err) {
        yield { kind: 'error', ...errorInfo(err) };
      } finally {
        dispose();
      }
    },
  };
}

/** run.json for a run about to train for the first time, on `backend`. */
function freshRunMeta(backend: BackendInfo, fields: Pick<RunMeta, 'totalSteps' | 'config' | 'model' | 'vocab'>): NewRun['meta'] {
  return {
    ...fields,
    state: 'created',
    step: 0,
    backend: backend.backend,
    versions: backend.versions,
    checkpointStep: null,
    lastTrainLoss: null,
    lastValLoss: null,
    pid: null,
    error: null,
  };
}

/** The run's newest good checkpoint loaded into a model from `build`; CheckpointError where there is none. */
async function loadTrainedModel<M extends { weights: ReadonlyMap<string, tf.Variable>; dispose(): void }>(
  run: RunHandle,
  build: () => M,
): Promise<{ model: M; checkpointStep: number; notices: string[] }> {
  const { checkpoint, skipped } = await run.checkpoints.loadLatest();
  if (!checkpoint) {
    const why = skipped.length ? ` (its checkpoints are damaged: ${skipped[0]!.reason})` : ': train it first';
    throw new CheckpointError(`run ${run.id} has no checkpoint to sample from${why}`);
  }
  let model: M | null = null;
  try {
    model = build();
    restoreWeights(model, checkpoint.tensors);
    await readableOnHost(model.weights.values()); // for the CPU decoders where the weights live on a GPU
  } catch (err) {
    model?.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(checkpoint.tensors));
  }
  const notices = skipped.map((s) => `Using run ${run.id} at step ${checkpoint.step}: the newer checkpoint at step ${s.step} is damaged (${s.reason})`);
  return { model, checkpointStep: checkpoint.step, notices };
}

/** Copies checkpoint tensors into the model's variables; missing or mis-shaped ones raise CheckpointError. */
function restoreWeights(model: { weights: ReadonlyMap<string, tf.Variable> }, tensors: tf.NamedTensorMap): void {
  for (const [name, variable] of model.weights) {
    const t = tensors[MODEL_PREFIX + name];
    if (!t) throw new CheckpointError(`the checkpoint has no weight "${name}": it was saved by a different model`);
    if (!tf.util.arraysEqual(t.shape, variable.shape)) {
      throw new CheckpointError(`the checkpoint's weight "${name}" has shape [${t.shape}] but the model expects [${variable.shape}]`);
    }
  }
  for (const [name, variable] of model.weights) variable.assign(tensors[MODEL_PREFIX + name]!);
}

/** A stored metric line as the protocol sends it (nulls from older files become absent). */
function metricRecord(m: MetricLine): MetricRecord {
  return {
    step: m.step,
    time: m.time,
    trainLoss: m.trainLoss ?? undefined,
    valLoss: m.valLoss ?? undefined,
    tokensPerSec: m.tokensPerSec ?? undefined,
    lr: m.lr ?? undefined,
    valNatsPerImage: m.valNatsPerImage ?? undefined,
    valBitsPerDim: m.valBitsPerDim ?? undefined,
    maskedLoss50: m.maskedLoss50 ?? undefined,
  };
}

/** The most metric records a run's detail carries (a long run is thinned: core/runs/thinMetrics.ts). */
const MAX_DETAIL_METRICS = 4000;

/** The newest previews a run's detail carries (a long run validates often). */
const MAX_DETAIL_PREVIEWS = 400;

function summary(meta: RunMeta): RunSummary {
  return {
    id: meta.id,
    name: meta.name,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    state: meta.state,
    step: meta.step,
    totalSteps: meta.totalSteps,
    dataset: meta.dataset,
    model: meta.model,
    lastTrainLoss: meta.lastTrainLoss,
    lastValLoss: meta.lastValLoss,
    checkpointStep: meta.checkpointStep,
    backend: meta.backend,
  };
}

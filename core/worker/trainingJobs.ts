import * as tf from '@tensorflow/tfjs';
import { TextDataset } from '../data/textDataset.ts';
import { CharVocabulary } from '../data/vocabulary.ts';
import { ConfigError } from '../errors.ts';
import { buildTextModel } from '../models/build.ts';
import { describeModel, describeRunModel, isImageModel, type TextModelConfig } from '../models/config.ts';
import { PixelCnnModel } from '../models/pixelcnn.ts';
import type { BackendInfo } from '../protocol/messages.ts';
import type { OwnedModel } from '../runs/checkpointContents.ts';
import { restoreTraining } from '../runs/modelRestore.ts';
import type { RunMeta } from '../runs/runMeta.ts';
import type { NewRun, RunHandle, RunStore } from '../runs/runStore.ts';
import { AdamOptimizer } from '../train/adam.ts';
import type { TrainConfig } from '../train/config.ts';
import type { ImageTrainConfig } from '../train/imageConfig.ts';
import { textTrainingTask, type TrainingTask } from '../train/task.ts';
import type { BackendChoice } from './backendChoice.ts';
import type { DataSources } from './dataSources.ts';
import { removeRunIfStartFails } from './failedStart.ts';
import { checkMemoryBudget } from './memoryBudgets.ts';
import { distilledParts, distilledTrainingJob, distillRecord, openTeacher, type DistillRequest } from './distillTraining.ts';
import { imageModelAndTask, imageTrainingSplit, withTestNll } from './imageTraining.ts';
import type { PausableJob } from './job.ts';
import { storedConfig, type RunCatalogue } from './runCatalogue.ts';
import { trainingJob, type TrainingParts } from './trainingJob.ts';

export interface TrainingJobsDeps {
  store: RunStore;
  backend: BackendChoice;
  data: DataSources;
  catalogue: RunCatalogue;
  /** Minimum time between training progress events (ms). */
  progressIntervalMs?: number;
}

/** Starts and resumes training (text models and PixelCNNs) and knows which runs this process trains. */
export class TrainingJobs {
  /** Runs being trained by this process. */
  private readonly running = new Map<string, PausableJob>();

  constructor(private readonly deps: TrainingJobsDeps) {}

  /** Whether this process trains `runId` now (or any run, without one). */
  training(runId?: string): boolean {
    return runId === undefined ? this.running.size > 0 : this.running.has(runId);
  }

  /** A new text run: its data read, its run folder written, its model built; then the job. */
  async startText(config: TrainConfig, name?: string): Promise<PausableJob> {
    const backend = await this.deps.backend.info();
    const source = await this.deps.data.text(config.data);
    const dataset = TextDataset.fromText(source.name, source.text, { valFraction: config.valFraction });
    dataset.checkFits(config.seq);
    const model: TextModelConfig = { ...config.model, vocabSize: dataset.vocab.size };
    checkMemoryBudget(model, { batch: config.batch, seq: config.seq, mode: 'train' }, backend.backend); // before anything is allocated
    const stored = { ...config, data: config.data.kind === 'upload' ? { kind: 'file', path: 'corpus.txt' } : config.data };
    const run = await this.deps.store.create({
      name: name?.trim() || `${describeModel(model)} on ${source.name}`,
      dataset: source.name,
      corpusText: source.text,
      meta: freshRunMeta(backend, { totalSteps: config.steps, config: stored, model, vocab: dataset.vocab.toJSON() }),
    });
    return removeRunIfStartFails(this.deps.store, run.id, () => {
      const textModel = buildTextModel(model, config.seed);
      const task = textTrainingTask(textModel, dataset, config, { preview: true });
      return this.start({ run, model: textModel, optimizer: new AdamOptimizer(textModel.weights), task, config, startStep: 0, notices: source.notices });
    });
  }

  /**
   * A new text run distilled from an AR run: the run is made at once (run.json records
   * distillFrom), the job writes the AR run's text into it and then trains on that text.
   */
  async startDistilled(config: TrainConfig, distill: DistillRequest, name?: string): Promise<PausableJob> {
    const backend = await this.deps.backend.forTextSampling();
    const { runId, ...settings } = distill;
    const teacher = await openTeacher(this.deps.store, runId);
    try {
      const record = distillRecord(teacher, settings, config);
      const ar = teacher.run.meta;
      const model: TextModelConfig = { ...config.model, vocabSize: teacher.vocab.size };
      checkMemoryBudget(model, { batch: config.batch, seq: config.seq, mode: 'train' }, backend.backend); // before anything is allocated
      const stored = { ...config, data: ar.config.data ?? config.data };
      const run = await this.deps.store.create({
        name: name?.trim() || `${describeModel(model)} distilled from ${ar.name}`,
        dataset: ar.dataset,
        meta: { ...freshRunMeta(backend, { totalSteps: config.steps, config: stored, model, vocab: teacher.vocab.toJSON() }), distillFrom: record },
      });
      return this.distil(run, teacher, config);
    } catch (err) {
      teacher.model.dispose();
      throw err;
    }
  }

  /** The two-phase job of a distilled run (its text written, then training), registered as training. */
  private distil(run: RunHandle, teacher: Awaited<ReturnType<typeof openTeacher>>, config: TrainConfig): PausableJob {
    const runId = run.id;
    const ended = () => this.running.delete(runId);
    const progressIntervalMs = this.deps.progressIntervalMs;
    const job = distilledTrainingJob({
      run,
      teacher,
      record: run.meta.distillFrom!,
      ended,
      train: (text) => trainingJob(distilledParts(run, config, teacher.vocab, text), { progressIntervalMs, ended }),
    });
    this.running.set(runId, job);
    return job;
  }

  /** A new image run (PixelCNN or masked image model) on an image set. */
  async startImages(config: ImageTrainConfig, name?: string): Promise<PausableJob> {
    const backend = await this.deps.backend.info();
    const set = await this.deps.data.images(config.data);
    const dataset = imageTrainingSplit(set.name, set.images, config, set.grey);
    checkMemoryBudget(config.model, { batch: config.batch, seq: 1, mode: 'train' }, backend.backend); // before anything is allocated
    const stored = { ...config, data: config.data.kind === 'upload' ? { kind: 'file', path: 'images.bin' } : config.data };
    const run = await this.deps.store.create({
      name: name?.trim() || `${describeRunModel(config.model)} on ${set.name}`,
      dataset: set.name,
      images: set.images,
      meta: freshRunMeta(backend, { totalSteps: config.steps, config: stored, model: config.model, vocab: [] }),
    });
    return removeRunIfStartFails(this.deps.store, run.id, () => {
      const { model, task } = imageModelAndTask(config, dataset);
      const job = this.start({ run, model, optimizer: new AdamOptimizer(model.weights), task, config, startStep: 0, notices: [] });
      return model instanceof PixelCnnModel ? withTestNll(job, run, model, config) : job;
    });
  }

  /**
   * Continues a stored run for `extraSteps` more steps (0: to its planned end) from its newest
   * good checkpoint, weights and optimiser state restored; from step 0 where none is usable.
   */
  async resume(runId: string, extraSteps: number): Promise<PausableJob> {
    const backend = await this.deps.backend.info();
    if (this.running.has(runId)) throw new ConfigError(`run ${runId} is already training`);
    const run = await this.deps.catalogue.open(runId);
    const runModel = run.meta.model;
    const stored = storedConfig(run);
    checkMemoryBudget(runModel, { batch: stored.batch, seq: 'seq' in stored ? stored.seq : 1, mode: 'train' }, backend.backend); // before anything is allocated
    if (run.meta.distillFrom && !(await run.hasCorpus())) {
      // Stopped before its text was written: the same AR run, seed and settings write it again.
      const config = { ...(stored as TrainConfig), steps: Math.max(run.meta.totalSteps, 1) + extraSteps };
      const teacher = await openTeacher(this.deps.store, run.meta.distillFrom.runId);
      await run.update({ totalSteps: config.steps, step: 0, config: { ...run.meta.config, steps: config.steps } });
      return this.distil(run, teacher, config);
    }
    const { checkpoint, skipped } = await run.checkpoints.loadLatest();
    const startStep = checkpoint?.step ?? 0;
    const total = Math.max(run.meta.totalSteps, startStep) + extraSteps;
    if (startStep >= total) {
      checkpoint && tf.dispose(Object.values(checkpoint.tensors));
      throw new ConfigError(`run ${runId} has finished all ${total} of its steps: ask for more steps to train it further`);
    }
    let model: OwnedModel;
    let task: TrainingTask;
    let imageConfig: ImageTrainConfig | null = null;
    const config = { ...stored, steps: total };
    try {
      if (isImageModel(runModel)) {
        imageConfig = config as ImageTrainConfig;
        // The bundled digits' grey values are not stored with the run: read them again (stochastic binarization).
        const grey = imageConfig.data.kind === 'builtin' ? (await this.deps.data.images(imageConfig.data)).grey : undefined;
        const dataset = imageTrainingSplit(run.meta.dataset, await run.readImages(), imageConfig, grey);
        ({ model, task } = imageModelAndTask(imageConfig, dataset));
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
    if (checkpoint) restoreTraining(model, optimizer, checkpoint, runId);
    await run.truncateMetricsAfter(startStep);
    await run.update({ totalSteps: total, step: startStep, config: { ...run.meta.config, steps: total } });
    const notices = skipped.map((s) => `Skipped the damaged checkpoint at step ${s.step}: ${s.reason}`);
    if (!checkpoint) notices.push('This run has no usable checkpoint: training starts again from step 0.');
    const job = this.start({ run, model, optimizer, task, config, startStep, notices });
    return imageConfig && model instanceof PixelCnnModel ? withTestNll(job, run, model, imageConfig) : job;
  }

  private start(parts: TrainingParts): PausableJob {
    const runId = parts.run.id;
    const job = trainingJob(parts, { progressIntervalMs: this.deps.progressIntervalMs, ended: () => this.running.delete(runId) });
    this.running.set(runId, job);
    return job;
  }
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

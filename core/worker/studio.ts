import * as tf from '@tensorflow/tfjs';
import { BUILTIN_CORPUS_TABLE, loadBuiltinCorpus } from '../data/builtinCorpora.ts';
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
import { describeModel, type TextModelConfig } from '../models/config.ts';
import type { TextModel } from '../models/textModel.ts';
import type { BackendInfo, JobEvent, MetricRecord, ResultOf, RunDetail, RunSummary } from '../protocol/messages.ts';
import type { RunMeta } from '../runs/runMeta.ts';
import { RunStore, type RunHandle } from '../runs/runStore.ts';
import { initBackend } from '../tensor/backend.ts';
import { AdamOptimizer } from '../train/adam.ts';
import { TrainConfig } from '../train/config.ts';
import { textTrainingTask, type TrainingTask } from '../train/task.ts';
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

  info(): Promise<BackendInfo> {
    this.backend ??= initBackend({ prefer: this.options.backend });
    return this.backend;
  }

  async corpora(): Promise<ResultOf<'corpora.list'>> {
    return BUILTIN_CORPUS_TABLE.map((c) => ({ name: c.name, description: c.description, chars: [...loadBuiltinCorpus(c.name)].length }));
  }

  async startTraining(config: TrainConfig, name?: string): Promise<Job> {
    const backend = await this.info();
    const source = await loadTextSource(config.data);
    const dataset = TextDataset.fromText(source.name, source.text, { valFraction: config.valFraction });
    dataset.checkFits(config.seq);
    const model: TextModelConfig = { ...config.model, vocabSize: dataset.vocab.size };
    const stored = { ...config, data: config.data.kind === 'upload' ? { kind: 'file', path: 'corpus.txt' } : config.data };
    const run = await this.store.create({
      name: name?.trim() || `${describeModel(model)} on ${source.name}`,
      dataset: source.name,
      corpusText: source.text,
      meta: {
        state: 'created',
        step: 0,
        totalSteps: config.steps,
        config: stored,
        model,
        vocab: dataset.vocab.toJSON(),
        backend: backend.backend,
        versions: backend.versions,
        checkpointStep: null,
        lastTrainLoss: null,
        lastValLoss: null,
        pid: null,
        error: null,
      },
    });
    const textModel = buildTextModel(model, config.seed);
    return this.trainingJob(run, textModel, new AdamOptimizer(textModel.weights), textTrainingTask(textModel, dataset, config), config, 0, []);
  }

  async resumeTraining(runId: string, extraSteps: number): Promise<Job> {
    await this.info();
    if (this.training.has(runId)) throw new ConfigError(`run ${runId} is already training`);
    const run = await this.reconcile(await this.store.open(runId));
    const storedConfig = TrainConfig.safeParse(run.meta.config);
    if (!storedConfig.success) throw new RunStoreError(`run ${runId} has a damaged configuration in run.json`);
    const { checkpoint, skipped } = await run.checkpoints.loadLatest();
    const startStep = checkpoint?.step ?? 0;
    const total = Math.max(run.meta.totalSteps, startStep) + extraSteps;
    if (startStep >= total) {
      checkpoint && tf.dispose(Object.values(checkpoint.tensors));
      throw new ConfigError(`run ${runId} has finished all ${total} of its steps: ask for more steps to train it further`);
    }
    const config: TrainConfig = { ...storedConfig.data, steps: total };
    const vocab = CharVocabulary.fromJSON(run.meta.vocab);
    const dataset = TextDataset.fromText(run.meta.dataset, await run.readCorpus(), { valFraction: config.valFraction, vocab });
    const model = buildTextModel(run.meta.model, config.seed);
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
    return this.trainingJob(run, model, optimizer, textTrainingTask(model, dataset, config), config, startStep, notices);
  }

  /** Builds a run's model from its newest good checkpoint. */
  private async loadRunModel(runId: string): Promise<LoadedRunModel> {
    await this.info();
    const run = await this.store.open(runId);
    const { checkpoint, skipped } = await run.checkpoints.loadLatest();
    if (!checkpoint) {
      const why = skipped.length ? ` (its checkpoints are damaged: ${skipped[0]!.reason})` : ': train it first';
      throw new CheckpointError(`run ${runId} has no checkpoint to sample from${why}`);
    }
    const model = buildTextModel(run.meta.model);
    try {
      restoreWeights(model, checkpoint.tensors);
    } catch (err) {
      model.dispose();
      throw err;
    } finally {
      tf.dispose(Object.values(checkpoint.tensors));
    }
    const notices = skipped.map((s) => `Using run ${runId} at step ${checkpoint.step}: the newer checkpoint at step ${s.step} is damaged (${s.reason})`);
    return { runId, model, vocab: CharVocabulary.fromJSON(run.meta.vocab), checkpointStep: checkpoint.step, notices };
  }

  async sample(runId: string, options: SampleOptions): Promise<Job> {
    const loaded = await this.loadRunModel(runId);
    const { model, vocab, checkpointStep, notices } = loaded;
    try {
      vocab.encode(options.prompt); // an unknown prompt character is an error now, not a failed job
    } catch (err) {
      model.dispose();
      throw err;
    }
    const abort = new AbortController();
    const generate = () =>
      model instanceof MaskPredictModel ? generateMaskPredict(model, vocab, options, abort.signal) : generateAutoregressive(model, vocab, options, abort.signal);
    return {
      kind: 'sample',
      runId,
      pause() {},
      resume() {},
      cancel: () => abort.abort(),
      async *events(): AsyncGenerator<JobEvent> {
        try {
          for (const message of notices) yield { kind: 'notice', message };
          for await (const e of generate()) {
            if (e.kind !== 'done') yield e;
            else
              yield {
                kind: 'done',
                reason: e.reason,
                summary: { runId, text: e.text, tokens: e.tokens, steps: e.steps, elapsedMs: e.elapsedMs, msPerToken: e.msPerToken, checkpointStep },
              };
          }
        } catch (err) {
          yield { kind: 'error', ...errorInfo(err) };
        } finally {
          model.dispose();
        }
      },
    };
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
    const abort = new AbortController();
    return {
      kind: 'race',
      runId: arRunId,
      pause() {},
      resume() {},
      cancel: () => abort.abort(),
      async *events(): AsyncGenerator<JobEvent> {
        try {
          for (const message of racers.notices) yield { kind: 'notice', message };
          let lanes = 0;
          for await (const e of runRace(racers.ar, racers.nar, racers.vocab, options, abort.signal)) {
            if (e.kind === 'lane') yield { kind: 'race-lane', lane: e.lane, event: e.event, laneMs: e.laneMs };
            else if (e.kind === 'finished') yield { kind: 'race-finished', lane: e.lane, finishOrder: e.finishOrder, laneMs: e.laneMs };
            else {
              lanes = e.lanes.length;
              yield { kind: 'race-results', lanes: e.lanes };
            }
          }
          yield { kind: 'done', reason: abort.signal.aborted ? 'cancelled' : 'completed', summary: { arRunId, narRunId, lanes } };
        } catch (err) {
          yield { kind: 'error', ...errorInfo(err) };
        } finally {
          racers.dispose();
        }
      },
    };
  }

  async scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<Job> {
    const racers = await this.loadRacers(arRunId, narRunId);
    const abort = new AbortController();
    return {
      kind: 'race',
      runId: arRunId,
      pause() {},
      resume() {},
      cancel: () => abort.abort(),
      async *events(): AsyncGenerator<JobEvent> {
        try {
          let points = 0;
          for await (const p of measureScaling(racers.ar, racers.nar, racers.vocab, options, lengths, abort.signal)) {
            points++;
            yield { kind: 'scaling-point', ...p };
          }
          yield { kind: 'done', reason: abort.signal.aborted ? 'cancelled' : 'completed', summary: { points } };
        } catch (err) {
          yield { kind: 'error', ...errorInfo(err) };
        } finally {
          racers.dispose();
        }
      },
    };
  }

  async listRuns(): Promise<RunSummary[]> {
    const runs = await this.store.list();
    return Promise.all(runs.map(async (r) => summary((await this.reconcile(r)).meta)));
  }

  async getRun(runId: string): Promise<RunDetail> {
    const run = await this.reconcile(await this.store.open(runId));
    const config = TrainConfig.safeParse(run.meta.config);
    if (!config.success) throw new RunStoreError(`run ${runId} has a damaged configuration in run.json`);
    const metrics: MetricRecord[] = (await run.readMetrics()).map((m) => ({
      step: m.step,
      time: m.time,
      trainLoss: m.trainLoss ?? undefined,
      valLoss: m.valLoss ?? undefined,
      tokensPerSec: m.tokensPerSec ?? undefined,
      lr: m.lr ?? undefined,
    }));
    return { ...summary(run.meta), config: config.data, metrics };
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.training.has(runId)) throw new ConfigError(`run ${runId} is training: stop it before deleting it`);
    await this.store.delete(runId);
  }

  /** A run left 'training' by a process that is gone is marked interrupted. */
  private async reconcile(run: RunHandle): Promise<RunHandle> {
    const { state, pid } = run.meta;
    if ((state === 'training' || state === 'paused') && !this.training.has(run.id) && !(pid !== null && pid !== process.pid && processAlive(pid))) {
      await run.update({ state: 'interrupted', pid: null });
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
        recordMetrics: (records) => run.appendMetrics(records),
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
    const job: Job = {
      kind: 'train',
      runId,
      pause: () => trainer.pause(),
      resume: () => trainer.resume(),
      cancel: () => trainer.cancel(),
      async *events(): AsyncGenerator<JobEvent> {
        try {
          await run.update({ state: 'training', pid: process.pid, error: null });
          for (const message of notices) yield { kind: 'notice', message };
          for await (const e of trainer.run()) {
            switch (e.kind) {
              case 'progress':
                if (e.valLoss !== undefined) await run.update({ step: e.step, lastTrainLoss: e.trainLoss, lastValLoss: e.valLoss });
                yield { ...e, runId };
                break;
              case 'state':
                await run.update({ state: e.state === 'paused' ? 'paused' : 'training' });
                yield e;
                break;
              case 'checkpoint':
                yield { kind: 'checkpoint', runId, step: e.step };
                break;
              case 'done':
                await run.update({
                  state: e.reason === 'completed' ? 'completed' : 'cancelled',
                  step: e.step,
                  lastTrainLoss: e.trainLoss,
                  lastValLoss: e.valLoss ?? run.meta.lastValLoss,
                  pid: null,
                });
                yield { kind: 'done', reason: e.reason, summary: { runId, step: e.step, trainLoss: e.trainLoss, valLoss: e.valLoss } };
                break;
            }
          }
        } catch (err) {
          const info = errorInfo(err);
          await run.update({ state: 'failed', error: info.message, pid: null }).catch(() => undefined);
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

/** Copies checkpoint tensors into the model's variables; missing or mis-shaped ones raise CheckpointError. */
function restoreWeights(model: TextModel, tensors: tf.NamedTensorMap): void {
  for (const [name, variable] of model.weights) {
    const t = tensors[MODEL_PREFIX + name];
    if (!t) throw new CheckpointError(`the checkpoint has no weight "${name}": it was saved by a different model`);
    if (!tf.util.arraysEqual(t.shape, variable.shape)) {
      throw new CheckpointError(`the checkpoint's weight "${name}" has shape [${t.shape}] but the model expects [${variable.shape}]`);
    }
  }
  for (const [name, variable] of model.weights) variable.assign(tensors[MODEL_PREFIX + name]!);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

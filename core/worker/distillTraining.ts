import { TextDataset } from '../data/textDataset.ts';
import { CharVocabulary } from '../data/vocabulary.ts';
import { CheckpointError, ConfigError, RunStoreError, errorInfo } from '../errors.ts';
import { generateDistillationText } from '../generate/distillation.ts';
import { resolveDistillSettings, type DistillRecord, type DistillSettings } from '../generate/distillOptions.ts';
import { buildTextModel } from '../models/build.ts';
import type { TextModel } from '../models/textModel.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { loadTrainedModel } from '../runs/modelRestore.ts';
import { currentProcessOwner } from '../runs/processIdentity.ts';
import type { RunHandle, RunStore } from '../runs/runStore.ts';
import { AdamOptimizer } from '../train/adam.ts';
import type { TrainConfig } from '../train/config.ts';
import { textTrainingTask } from '../train/task.ts';
import type { PausableJob } from './job.ts';
import type { TrainingParts } from './trainingJob.ts';

/** The AR run a distillation draws from: its trained model, vocabulary, data and how much text it trained on. */
export interface DistillTeacher {
  run: RunHandle;
  model: TextModel;
  vocab: CharVocabulary;
  /** Characters in the AR run's training text. */
  corpusCharacters: number;
  notices: string[];
}

/**
 * Opens the AR run `runId` to distil from: it must exist, be a causal text model (Transformer or
 * recurrent) and have a checkpoint. Errors say which of these is wrong.
 */
export async function openTeacher(store: RunStore, runId: string): Promise<DistillTeacher> {
  let run: RunHandle;
  try {
    run = await store.open(runId);
  } catch (err) {
    if (err instanceof RunStoreError) throw new ConfigError(`cannot distil from run "${runId}": ${err.message}`);
    throw err;
  }
  const family = run.meta.model.family;
  if (family === 'pixelcnn' || family === 'masked-image') {
    throw new ConfigError(`cannot distil from run ${runId}: it is an image model; choose a causal text run (Transformer or RNN)`);
  }
  if (family === 'maskPredict') {
    throw new ConfigError(`cannot distil from run ${runId}: it is a mask-predict (non-autoregressive) model; choose a causal text run (Transformer or RNN)`);
  }
  if (run.meta.checkpointStep === null) throw new CheckpointError(`cannot distil from run ${runId}: it has no checkpoint yet (train it first)`);
  const corpusCharacters = [...(await run.readCorpus())].length;
  const runModel = run.meta.model;
  const { model, notices } = await loadTrainedModel(run, () => buildTextModel(runModel));
  return { run, model, vocab: CharVocabulary.fromJSON(run.meta.vocab), corpusCharacters, notices };
}

/** The distillation record a new run gets from its request (defaults from the AR run and the new run's seed). */
export function distillRecord(teacher: DistillTeacher, settings: DistillSettings, config: TrainConfig): DistillRecord {
  const record = resolveDistillSettings(teacher.run.id, settings, {
    seed: config.seed,
    arCharacters: teacher.corpusCharacters,
    readCharacters: config.steps * config.batch * config.seq,
  });
  const trainChars = Math.floor(record.characters * (1 - config.valFraction));
  const valChars = record.characters - trainChars;
  if (Math.min(trainChars, valChars) < config.seq + 1) {
    throw new ConfigError(
      `${record.characters} characters of distillation text are too few for sequences of ${config.seq}: ask for at least ${Math.ceil((config.seq + 1) / config.valFraction) + 1}`,
    );
  }
  return record;
}

/** The parts of a run that trains on `text` (its data is the generated text, its vocabulary the AR run's). */
export function distilledParts(run: RunHandle, config: TrainConfig, vocab: CharVocabulary, text: string): TrainingParts {
  const dataset = TextDataset.fromText(run.meta.dataset, text, { valFraction: config.valFraction, vocab });
  dataset.checkFits(config.seq);
  const model = buildTextModel({ ...config.model, vocabSize: vocab.size }, config.seed);
  const task = textTrainingTask(model, dataset, config, { preview: true });
  return { run, model, optimizer: new AdamOptimizer(model.weights), task, config, startStep: 0, notices: [] };
}

export interface DistilledJobParts {
  /** The new run (run.json already records distillFrom). */
  run: RunHandle;
  teacher: DistillTeacher;
  record: DistillRecord;
  /** The training job once the text is written. */
  train: (text: string) => PausableJob;
  /** Runs once the job's events end, however they end. */
  ended: () => void;
}

/**
 * A training job in two phases: the AR run writes the distillation text (progress events
 * `distill`), which is saved as the run's training text (corpus.txt); then the run trains on it.
 * Cancel stops either phase; pause holds either (the generation between progress reports).
 */
export function distilledTrainingJob(parts: DistilledJobParts): PausableJob {
  const { run, teacher, record } = parts;
  const abort = new AbortController();
  let paused = false;
  let wake: (() => void) | null = null;
  let inner: PausableJob | null = null;
  const gate = async () => {
    while (paused && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
  };
  return {
    kind: 'train',
    runId: run.id,
    pausable: true,
    pause: () => {
      paused = true;
      inner?.pause();
    },
    resume: () => {
      paused = false;
      wake?.();
      inner?.resume();
    },
    cancel: () => {
      abort.abort();
      wake?.();
      inner?.cancel();
    },
    async *events(): AsyncGenerator<JobEvent> {
      let text: string | null = null;
      try {
        await run.update({ state: 'training', ...currentProcessOwner(), error: null });
        for (const message of teacher.notices) yield { kind: 'notice', message };
        const generation = generateDistillationText(teacher.model, teacher.vocab, record, { signal: abort.signal, gate });
        let wasPaused = false;
        for (;;) {
          const next = await generation.next();
          if (next.done) {
            text = next.value.text;
            break;
          }
          if (paused !== wasPaused) {
            wasPaused = paused;
            yield { kind: 'state', state: paused ? 'paused' : 'running' };
          }
          yield { kind: 'distill', runId: run.id, done: next.value.done, total: next.value.total };
        }
      } catch (err) {
        yield* failed(run, err);
        return;
      } finally {
        teacher.model.dispose();
        if (text === null) parts.ended();
      }
      if (text === null) {
        const stopped = { state: 'cancelled' as const, pid: null, pidStart: null };
        await run.update(stopped).catch(() => run.assume(stopped));
        yield { kind: 'done', reason: 'cancelled', summary: { runId: run.id, step: 0, trainLoss: null, valLoss: null } };
        return;
      }
      try {
        await run.writeCorpus(text);
        inner = parts.train(text);
      } catch (err) {
        parts.ended();
        yield* failed(run, err);
        return;
      }
      if (paused) inner.pause();
      if (abort.signal.aborted) inner.cancel();
      yield* inner.events();
    },
  };
}

async function* failed(run: RunHandle, err: unknown): AsyncGenerator<JobEvent> {
  const info = errorInfo(err);
  const patch = { state: 'failed' as const, error: info.message, pid: null, pidStart: null };
  await run.update(patch).catch(() => run.assume(patch));
  yield { kind: 'error', ...info };
}

/** What a client asks for: the AR run, and any settings it does not leave to the defaults. */
export type DistillRequest = DistillSettings & { runId: string };

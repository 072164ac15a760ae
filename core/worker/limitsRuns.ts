import type { TrainedModelEvent } from '../limits/training.ts';
import type { LimitsExperiment } from '../limits/schemas.ts';
import type { BackendInfo } from '../protocol/messages.ts';
import { createRng } from '../rng.ts';
import { saveTrainingCheckpoint } from '../runs/checkpointContents.ts';
import type { RunStore } from '../runs/runStore.ts';
import type { TrainConfig } from '../train/config.ts';

/** Rows of the task kept as a Limits run's corpus.txt: enough for its vocabulary and a validation split. */
const CORPUS_ROWS = 2000;

/**
 * Keeps a model a Limits experiment trained as an ordinary, completed run: its run.json (model,
 * vocabulary, the training settings as a TrainConfig over its corpus.txt), a corpus of rows of
 * the task drawn with the experiment's seed (what the model learnt from, so it can be sampled,
 * shown and trained further like any run), its losses as metrics, and its final weights and
 * optimiser state as the checkpoint. Returns the run's id.
 */
export async function keepTrainedModel(store: RunStore, backend: BackendInfo, event: TrainedModelEvent, experiment: LimitsExperiment): Promise<string> {
  const { keep, settings, points } = event;
  const rng = createRng((settings.seed * 65_537 + 11) >>> 0);
  const corpusText = Array.from({ length: CORPUS_ROWS }, () => keep.makeRow(rng)).join('');
  const { vocabSize: _, ...choice } = keep.config;
  const config: TrainConfig = {
    model: choice,
    data: { kind: 'file', path: 'corpus.txt' },
    steps: settings.steps,
    batch: keep.batch,
    seq: keep.seq,
    lr: settings.lr,
    schedule: 'cosine',
    warmupSteps: Math.min(20, Math.floor(settings.steps / 10)),
    clipNorm: 1,
    evalEvery: settings.steps,
    evalBatches: 1,
    checkpointEvery: settings.steps,
    valFraction: 0.1,
    seed: settings.seed,
  };
  const last = points.at(-1);
  const lastVal = [...points].reverse().find((p) => p.valLoss !== undefined)?.valLoss ?? null;
  const run = await store.create({
    name: keep.name,
    dataset: keep.dataset,
    corpusText,
    meta: {
      state: 'created',
      step: 0,
      totalSteps: settings.steps,
      config: { ...config, limits: { experiment, role: keep.role } },
      model: keep.config,
      vocab: keep.vocab.toJSON(),
      backend: backend.backend,
      versions: backend.versions,
      checkpointStep: null,
      lastTrainLoss: null,
      lastValLoss: null,
      pid: null,
      error: null,
    },
  });
  try {
    const started = Date.now() - event.elapsedSec * 1000;
    const span = Math.max(1, last?.step ?? 1);
    await run.appendMetrics(
      points.map((p) => ({
        step: p.step,
        time: Math.round(started + (event.elapsedSec * 1000 * p.step) / span),
        trainLoss: p.trainLoss,
        ...(p.valLoss !== undefined ? { valLoss: p.valLoss } : {}),
      })),
    );
    await saveTrainingCheckpoint(run, keep.model, event.optimizer, settings.steps);
    await run.update({ state: 'completed', step: settings.steps, lastTrainLoss: last?.trainLoss ?? null, lastValLoss: lastVal });
  } catch (err) {
    await store.delete(run.id).catch(() => undefined);
    throw err;
  }
  return run.id;
}

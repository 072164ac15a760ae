import { ConfigError, RunStoreError } from '../errors.ts';
import { isImageModel } from '../models/config.ts';
import type { MetricRecord, ResultOf, RunDetail, RunSummary } from '../protocol/messages.ts';
import { ownerAlive } from '../runs/processIdentity.ts';
import { exportRunArchive, importRunArchive } from '../runs/runArchive.ts';
import type { RunMeta } from '../runs/runMeta.ts';
import type { MetricLine, RunHandle, RunStore } from '../runs/runStore.ts';
import { thinMetrics } from '../runs/thinMetrics.ts';
import { TrainConfig } from '../train/config.ts';
import { ImageTrainConfig } from '../train/imageConfig.ts';
import type { BackendChoice } from './backendChoice.ts';
import { textRunFigures } from './runFigures.ts';

/** The most metric records a run's detail carries (a long run is thinned: core/runs/thinMetrics.ts). */
const MAX_DETAIL_METRICS = 4000;

/** The newest previews a run's detail carries (a long run validates often). */
const MAX_DETAIL_PREVIEWS = 400;

/**
 * The stored runs as the protocol shows them: list, detail, metrics, export, import, delete. A
 * run whose training process is gone is reported (and marked) interrupted.
 */
export class RunCatalogue {
  constructor(
    private readonly store: RunStore,
    private readonly backend: BackendChoice,
    /** Whether this process is training the run now. */
    private readonly training: (runId: string) => boolean,
  ) {}

  /** Opens a run, reconciled (see reconcile). */
  async open(runId: string): Promise<RunHandle> {
    return this.reconcile(await this.store.open(runId));
  }

  async list(): Promise<RunSummary[]> {
    const runs = await this.store.list();
    return Promise.all(runs.map(async (r) => runSummary((await this.reconcile(r)).meta)));
  }

  async detail(runId: string): Promise<RunDetail> {
    const run = await this.open(runId);
    const config = storedConfig(run);
    const all = await run.readMetrics();
    const metrics = thinMetrics(all, MAX_DETAIL_METRICS).map(metricRecord);
    const previews = (await run.readPreviews(MAX_DETAIL_PREVIEWS)) as RunDetail['previews'];
    const distill = run.meta.distillFrom ? { distillFrom: run.meta.distillFrom } : {};
    return { ...runSummary(run.meta), config, ...distill, metrics, metricsTotal: all.length, previews, ...(await textRunFigures(run, all)), ...testNllFields(run.meta) };
  }

  /** Every metric record of a run (detail thins a long run's), for exports. */
  async metrics(runId: string): Promise<MetricRecord[]> {
    const run = await this.store.open(runId);
    return (await run.readMetrics()).map(metricRecord);
  }

  /** A run as one .tgz file; checkpoints that do not verify are left out, with a notice each. */
  async exportRun(runId: string): Promise<ResultOf<'runs.export'>> {
    await this.backend.info(); // checkpoints are verified by decoding their weights
    const archive = await exportRunArchive(await this.store.open(runId));
    const notices = archive.skipped.map((s) => `The checkpoint at step ${s.step} was left out of the export: ${s.reason}`);
    return { fileName: archive.fileName, archive: archive.bytes as Uint8Array<ArrayBuffer>, notices };
  }

  /** Adds the run in an exported archive; RunStoreError (nothing added) when any part of it is wrong. */
  async importRun(archive: Uint8Array, fileName?: string): Promise<RunSummary> {
    await this.backend.info();
    const run = await importRunArchive(this.store, archive, fileName === undefined ? 'the archive' : `"${fileName}"`);
    return runSummary(run.meta);
  }

  async deleteRun(runId: string): Promise<void> {
    if (this.training(runId)) throw new ConfigError(`run ${runId} is training: stop it before deleting it`);
    await this.store.delete(runId);
  }

  /**
   * A run left 'training' by a process that is gone (a crash, a kill) is marked interrupted. The
   * owner is recognised by pid and start time, so a pid reused by another program does not keep
   * the run 'training'. Where run.json cannot be written (a read-only folder) the run is still
   * reported as interrupted.
   */
  private async reconcile(run: RunHandle): Promise<RunHandle> {
    const { state, pid } = run.meta;
    if ((state === 'training' || state === 'paused') && !this.training(run.id) && !(pid !== process.pid && ownerAlive(run.meta))) {
      const patch = { state: 'interrupted' as const, pid: null, pidStart: null };
      await run.update(patch).catch(() => run.assume(patch));
    }
    return run;
  }
}

/** The stored test NLL (PixelCNN runs) as RunDetail carries it. */
function testNllFields(meta: RunMeta): Partial<RunDetail> {
  const t = meta.testNllStochastic;
  if (!t) return {};
  if ('unavailable' in t) return { testNllStochasticUnavailable: t.unavailable };
  return { testNllStochastic: t.natsPerImage, testNllStochasticBitsPerDim: t.bitsPerDim, testNllStochasticImages: t.images };
}

/** The training configuration stored in a run's run.json, checked; RunStoreError where it is damaged. */
export function storedConfig(run: RunHandle): TrainConfig | ImageTrainConfig {
  const config = (isImageModel(run.meta.model) ? ImageTrainConfig : TrainConfig).safeParse(run.meta.config);
  if (!config.success) throw new RunStoreError(`run ${run.id} has a damaged configuration in run.json`);
  return config.data;
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

export function runSummary(meta: RunMeta): RunSummary {
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
    ...(meta.starter ? { starter: true } : {}),
    ...(meta.distillFrom ? { distilledFrom: meta.distillFrom.runId } : {}),
  };
}

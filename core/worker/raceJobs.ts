import type { CharVocabulary } from '../data/vocabulary.ts';
import { ConfigError } from '../errors.ts';
import { measureFrontier } from '../generate/frontier.ts';
import type { RaceOptions } from '../generate/options.ts';
import { measureScaling, runRace, type RaceModels } from '../generate/race.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import { TransformerModel } from '../models/transformer.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';
import type { LoadedRunModel, SamplingJobs } from './samplingJobs.ts';

/** The runs a race compares, loaded; `dispose` frees every model. */
interface Racers {
  models: RaceModels & { ar: TransformerModel };
  vocab: CharVocabulary;
  notices: string[];
  dispose(): void;
}

/** Races an AR Transformer against a mask-predict model on the same text, and measures how their latency grows with length. */
export class RaceJobs {
  constructor(private readonly sampling: SamplingJobs) {}

  /**
   * Every lane's tokens as they come, each lane's finish, the results table, then (unless
   * `options.frontier` is false) the quality–speed frontier point by point. `drafterRunId`:
   * what drafts for the hybrid (the NAR run when absent).
   */
  async race(arRunId: string, narRunId: string, options: RaceOptions, drafterRunId?: string): Promise<UnpausableJob> {
    const racers = await this.loadRacers(arRunId, narRunId, drafterRunId);
    try {
      racers.vocab.encode(options.prompt);
    } catch (err) {
      racers.dispose();
      throw err;
    }
    return cancellableJob('race', arRunId, racers.notices, racers.dispose, async function* (signal) {
      let lanes = 0;
      for await (const e of runRace(racers.models, racers.vocab, options, signal)) {
        if (e.kind === 'lane') yield { kind: 'race-lane', lane: e.lane, event: e.event, laneMs: e.laneMs };
        else if (e.kind === 'finished') yield { kind: 'race-finished', lane: e.lane, finishOrder: e.finishOrder, laneMs: e.laneMs };
        else {
          lanes = e.lanes.length;
          yield { kind: 'race-results', lanes: e.lanes };
        }
      }
      let points = 0;
      if (options.frontier !== false && !signal.aborted)
        for await (const p of measureFrontier(racers.models, racers.vocab, options, signal)) {
          points++;
          yield { kind: 'race-frontier', point: p.point, index: p.index, total: p.total };
        }
      yield { kind: 'done', reason: signal.aborted ? 'cancelled' : 'completed', summary: { arRunId, narRunId, drafterRunId: drafterRunId ?? narRunId, lanes, frontierPoints: points } };
    });
  }

  /** Latency against output length: one point per lane and length. */
  async scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<UnpausableJob> {
    const racers = await this.loadRacers(arRunId, narRunId);
    return cancellableJob('race', arRunId, racers.notices, racers.dispose, async function* (signal) {
      let points = 0;
      for await (const p of measureScaling(racers.models, racers.vocab, options, lengths, signal)) {
        points++;
        yield { kind: 'scaling-point', ...p };
      }
      yield { kind: 'done', reason: signal.aborted ? 'cancelled' : 'completed', summary: { points } };
    });
  }

  /**
   * Loads the runs a race compares: an AR Transformer and a mask-predict model on the same text,
   * and a drafter for the hybrid (a mask-predict or an AR Transformer run with the AR run's vocabulary).
   */
  private async loadRacers(arRunId: string, narRunId: string, drafterRunId?: string): Promise<Racers> {
    const loaded: LoadedRunModel[] = [];
    const dispose = () => {
      for (const l of loaded) l.model.dispose();
    };
    try {
      const ids = [arRunId, narRunId, ...(drafterRunId !== undefined && drafterRunId !== narRunId ? [drafterRunId] : [])];
      for (const id of ids) loaded.push(await this.sampling.loadTextRun(id));
      const [a, n, d] = loaded as [LoadedRunModel, LoadedRunModel, LoadedRunModel | undefined];
      if (!(a.model instanceof TransformerModel)) throw new ConfigError(`run ${arRunId} is not an autoregressive Transformer: the race needs one for its AR lanes`);
      if (!(n.model instanceof MaskPredictModel)) throw new ConfigError(`run ${narRunId} is not a non-autoregressive (mask-predict) Transformer`);
      const text = (l: LoadedRunModel) => l.vocab.toJSON().join('');
      if (text(a) !== text(n)) throw new ConfigError('the AR and NAR runs were trained on different texts (their vocabularies differ): train both on the same text');
      if (d) {
        if (!(d.model instanceof TransformerModel || d.model instanceof MaskPredictModel))
          throw new ConfigError(`run ${drafterRunId} cannot draft: the drafter must be a Transformer (AR) or a NAR (mask-predict) run`);
        if (text(d) !== text(a))
          throw new ConfigError(`the drafter run ${drafterRunId} does not share the AR run's vocabulary (it was trained on another text): choose a drafter trained on the same text`);
      }
      const drafter = d?.model as TransformerModel | MaskPredictModel | undefined;
      return { models: { ar: a.model, nar: n.model, drafter: drafter ?? n.model }, vocab: a.vocab, notices: loaded.flatMap((l) => l.notices), dispose };
    } catch (err) {
      dispose();
      throw err;
    }
  }
}

import type { CharVocabulary } from '../data/vocabulary.ts';
import { ConfigError } from '../errors.ts';
import type { RaceOptions } from '../generate/options.ts';
import { measureScaling, runRace } from '../generate/race.ts';
import { MaskPredictModel } from '../models/maskPredict.ts';
import { TransformerModel } from '../models/transformer.ts';
import { cancellableJob, type UnpausableJob } from './job.ts';
import type { LoadedRunModel, SamplingJobs } from './samplingJobs.ts';

/** The two runs a race compares, loaded; `dispose` frees both models. */
interface Racers {
  ar: TransformerModel;
  nar: MaskPredictModel;
  vocab: CharVocabulary;
  notices: string[];
  dispose(): void;
}

/** Races an AR Transformer against a mask-predict model on the same text, and measures how their latency grows with length. */
export class RaceJobs {
  constructor(private readonly sampling: SamplingJobs) {}

  /** Every lane's tokens as they come, each lane's finish, then the results table. */
  async race(arRunId: string, narRunId: string, options: RaceOptions): Promise<UnpausableJob> {
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

  /** Latency against output length: one point per lane and length. */
  async scaling(arRunId: string, narRunId: string, options: RaceOptions, lengths: readonly number[]): Promise<UnpausableJob> {
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

  /** Loads the two runs a race compares: an AR Transformer and a mask-predict model on the same text. */
  private async loadRacers(arRunId: string, narRunId: string): Promise<Racers> {
    const a = await this.sampling.loadTextRun(arRunId);
    let n: LoadedRunModel;
    try {
      n = await this.sampling.loadTextRun(narRunId);
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
}

// Façade over the core services (runs, train, generate, tensor) used by the dispatcher.
// (Implementation in progress — signatures are the contract.)
import type { BackendInfo, JobEvent, RunDetail, RunSummary, ResultOf } from '../protocol/messages.ts';
import type { TrainConfig } from '../train/config.ts';
import type { SampleOptions } from '../generate/options.ts';

/** A long-running piece of work (training or sampling). Every job can be cancelled. */
export interface Job {
  readonly kind: 'train' | 'sample';
  readonly runId: string;
  /** The job's events, ending with exactly one `done` or `error` event. Iterate once. */
  events(): AsyncIterable<JobEvent>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

export interface StudioOptions {
  /** Folder that holds runs/ (and later datasets/). */
  home: string;
  /** Backend override (e.g. 'cpu'); default: the best rung of the ladder. */
  backend?: string;
}

export declare class Studio {
  constructor(options: StudioOptions);
  info(): Promise<BackendInfo>;
  corpora(): Promise<ResultOf<'corpora.list'>>;
  startTraining(config: TrainConfig, name?: string): Promise<Job>;
  resumeTraining(runId: string, extraSteps: number): Promise<Job>;
  sample(runId: string, options: SampleOptions): Promise<Job>;
  listRuns(): Promise<RunSummary[]>;
  getRun(runId: string): Promise<RunDetail>;
  deleteRun(runId: string): Promise<void>;
}

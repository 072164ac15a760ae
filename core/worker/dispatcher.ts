import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { z } from 'zod';
import { loadTextSource } from '../data/textSource.ts';
import { issueMessage, schemaAt } from '../protocol/validationMessages.ts';
import { errorInfo } from '../errors.ts';
import {
  JobEvent,
  Methods,
  PROTOCOL_VERSION,
  RequestMessage,
  type ErrorInfo,
  type MethodName,
  type ResultOf,
} from '../protocol/messages.ts';
import type { MessagePipe } from '../protocol/transport.ts';
import { isFatalBackendError, reportFatalBackendError } from './fatalErrors.ts';
import { pausableJob, type Job } from './job.ts';
import { JobRegistry } from './jobRegistry.ts';
import type { Studio } from './studio.ts';

/** What the dispatcher needs of a Studio: its public methods (tests pass a fake). */
export type StudioLike = Pick<
  Studio,
  | 'info'
  | 'setBackend'
  | 'corpora'
  | 'startTraining'
  | 'resumeTraining'
  | 'sample'
  | 'race'
  | 'scaling'
  | 'imagePreview'
  | 'startImageTraining'
  | 'sampleImages'
  | 'raceImages'
  | 'listRuns'
  | 'getRun'
  | 'deleteRun'
  | 'exportRun'
  | 'importRun'
  | 'runMetrics'
  | 'restoreStarters'
  | 'limits'
>;

export interface ServeOptions {
  /**
   * Check every result and job event against the protocol's schemas before sending it, and
   * report a mismatch as an INTERNAL_ERROR. Catches a Studio drifting from the contract; costs a
   * parse per message. Default: on under vitest (`VITEST` set), off otherwise.
   */
  validateOutgoing?: boolean;
  /**
   * The worker's jobs, shared by all its clients. Default: one registry per Studio, running at
   * most `studio.maxConcurrentTrainings()` trainings at once (else one per core).
   */
  jobs?: JobRegistry;
}

const registries = new WeakMap<object, JobRegistry>();

/** The registry every client of `studio` shares. */
export function jobRegistryOf(studio: StudioLike): JobRegistry {
  let registry = registries.get(studio);
  if (!registry) {
    const fromStudio = (studio as { maxConcurrentTrainings?: () => number }).maxConcurrentTrainings?.();
    registry = new JobRegistry({ maxConcurrentTrainings: fromStudio ?? availableParallelism() });
    registries.set(studio, registry);
  }
  return registry;
}

type ParamsIn<M extends MethodName> = z.infer<Methods[M]['params']>;
type Handlers = { [M in MethodName]: (params: ParamsIn<M>) => Promise<ResultOf<M>> };

const MAX_ISSUES = 3;

/**
 * Serves the worker protocol on one pipe: validates each request, calls the Studio, replies, and
 * streams the events of the jobs this client started or attached to. Jobs belong to the worker
 * (jobRegistry.ts): when the pipe closes, the trainings it started go on; its sampling jobs and
 * races are cancelled. Never throws out of the message handler.
 *
 * Returns a function that stops serving this pipe; it does not close the pipe.
 */
export function serveClient(pipe: MessagePipe, studio: StudioLike, options: ServeOptions = {}): () => void {
  const validateOutgoing = options.validateOutgoing ?? process.env.VITEST !== undefined;
  const registry = options.jobs ?? jobRegistryOf(studio);
  const self = {};
  let open = true;
  let offMessage = (): void => {};
  let offClose = (): void => {};

  const send = (message: unknown): void => {
    if (!open) return;
    try {
      pipe.send(message);
    } catch {
      // The other side is gone (or the message cannot be sent): stop serving this client.
      stop();
    }
  };
  const replyOk = (id: string, result: unknown): void =>
    send({ v: PROTOCOL_VERSION, type: 'response', id, ok: true, result });
  const replyError = (id: string, error: ErrorInfo): void =>
    send({ v: PROTOCOL_VERSION, type: 'response', id, ok: false, error: { code: error.code, message: error.message } });
  const protocolError = (id: string, message: string): void => replyError(id, { code: 'PROTOCOL_ERROR', message });

  /** What this client hears of a job: its events, checked against the protocol where asked. */
  const listener = (jobId: string) => {
    let broken = false;
    return (event: JobEvent): void => {
      if (broken) return;
      const emit = (e: JobEvent): void => send({ v: PROTOCOL_VERSION, type: 'event', jobId, event: e });
      if (validateOutgoing) {
        const checked = JobEvent.safeParse(event);
        if (!checked.success) {
          broken = true;
          emit({ kind: 'error', code: 'INTERNAL_ERROR', message: `job event does not match the protocol: ${describeIssues(checked.error)}` });
          registry.cancel(jobId);
          registry.detach(jobId, self);
          return;
        }
      }
      emit(event);
    };
  };

  /** Registers a job the Studio has started: the reply says its id and whether it can pause. */
  const startJob = (job: Job): { jobId: string; pausable: boolean } => {
    const jobId = randomUUID();
    registry.add(jobId, job, self, listener(jobId));
    return { jobId, pausable: job.pausable };
  };

  const ownJob = (jobId: string, act: (job: Job) => void): Promise<Record<string, never>> => {
    const job = registry.job(jobId);
    if (job && !registry.follows(jobId, self)) return Promise.reject(new UnknownJob(jobId, 'not started by or attached to this client'));
    if (job) {
      try {
        act(job);
      } catch (err) {
        return Promise.reject(err);
      }
    } else if (!registry.known(jobId)) return Promise.reject(new UnknownJob(jobId));
    return Promise.resolve({});
  };

  const handlers: Handlers = {
    info: () => studio.info(),
    'backend.set': ({ prefer }) => studio.setBackend(prefer),
    'corpora.list': () => studio.corpora(),
    // The same checks as training's (core/data/textSource.ts), when the file is opened.
    'datasets.checkText': async ({ name, bytes }) => {
      const loaded = await loadTextSource({ kind: 'upload', name, bytes });
      return { name: loaded.name, chars: [...loaded.text].length, notices: loaded.notices };
    },
    'train.start': async ({ config, name, distillFrom }) => {
      const job = await studio.startTraining(config, name, distillFrom);
      return { ...startJob(job), runId: job.runId };
    },
    'train.resume': async ({ runId, extraSteps }) => {
      const job = await studio.resumeTraining(runId, extraSteps);
      return { ...startJob(job), runId: job.runId };
    },
    'sample.start': async ({ runId, options: sampleOptions }) => {
      const job = await studio.sample(runId, sampleOptions);
      return startJob(job);
    },
    'race.start': async ({ arRunId, narRunId, drafterRunId, options: raceOptions }) => {
      const job = await studio.race(arRunId, narRunId, raceOptions, drafterRunId);
      return startJob(job);
    },
    'race.scaling': async ({ arRunId, narRunId, options: raceOptions, lengths }) => {
      const job = await studio.scaling(arRunId, narRunId, raceOptions, lengths);
      return startJob(job);
    },
    'images.preview': ({ source, limit }) => studio.imagePreview(source, limit),
    'image.train.start': async ({ config, name }) => {
      const job = await studio.startImageTraining(config, name);
      return { ...startJob(job), runId: job.runId };
    },
    'image.sample.start': async ({ runId, options: sampleOptions, known }) => {
      const job = await studio.sampleImages(runId, sampleOptions, known);
      return startJob(job);
    },
    'images.race': async ({ arRunId, narRunId, options: raceOptions, known }) => startJob(await studio.raceImages(arRunId, narRunId, raceOptions, known)),
    'limits.run': async (settings) => startJob(await studio.limits(settings)),
    // A job that cannot pause (sampling, a race) answers NOT_PAUSABLE rather than pretending to.
    'job.pause': ({ jobId }) => ownJob(jobId, (j) => pausableJob(j).pause()),
    'job.resume': ({ jobId }) => ownJob(jobId, (j) => pausableJob(j).resume()),
    'job.cancel': ({ jobId }) => ownJob(jobId, () => registry.cancel(jobId)),
    'jobs.list': () => Promise.resolve(registry.list()),
    'job.attach': ({ jobId }) => {
      const summary = registry.attach(jobId, self, listener(jobId));
      return summary ? Promise.resolve(summary) : Promise.reject(new UnknownJob(jobId, 'it is not running'));
    },
    'runs.list': () => studio.listRuns(),
    'runs.get': ({ runId }) => studio.getRun(runId),
    'runs.delete': async ({ runId }) => {
      await studio.deleteRun(runId);
      return {};
    },
    'runs.metrics': ({ runId }) => studio.runMetrics(runId),
    'runs.export': ({ runId }) => studio.exportRun(runId),
    'runs.import': ({ archive, fileName }) => studio.importRun(archive, fileName),
    'runs.restoreStarters': () => studio.restoreStarters(),
  };

  const handle = async (raw: unknown): Promise<void> => {
    const id = readId(raw);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      protocolError(id, `malformed request: expected an object, got ${describeType(raw)}`);
      return;
    }
    const method = (raw as { method?: unknown }).method;
    if (typeof method === 'string' && !Object.hasOwn(Methods, method)) {
      protocolError(id, `unknown method '${truncate(method, 64)}'`);
      return;
    }
    const request = RequestMessage.safeParse(raw);
    if (!request.success) {
      protocolError(id, `malformed request: ${describeIssues(request.error)}`);
      return;
    }
    const { method: name, params } = request.data;
    const spec = Methods[name];
    const parsed = spec.params.safeParse(params ?? {});
    if (!parsed.success) {
      protocolError(id, `bad params for ${name}: ${describeIssues(parsed.error, spec.params, params ?? {})}`);
      return;
    }
    let result: unknown;
    try {
      result = await (handlers[name] as (p: unknown) => Promise<unknown>)(parsed.data);
    } catch (err) {
      if (err instanceof UnknownJob) protocolError(id, err.message);
      else replyError(id, errorInfo(err));
      if (isFatalBackendError(err)) reportFatalBackendError(err);
      return;
    }
    const started = name !== 'job.attach' && result && typeof result === 'object' && 'jobId' in result ? String((result as { jobId: unknown }).jobId) : null;
    if (validateOutgoing) {
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        replyError(id, { code: 'INTERNAL_ERROR', message: `result of ${name} does not match the protocol: ${describeIssues(checked.error)}` });
        if (started !== null) {
          registry.cancel(started);
          registry.launch(started); // drain it: a job releases its resources as its events end
        }
        return;
      }
    }
    replyOk(id, result);
    // Events flow only after the client has its job id (it buffers early ones anyway).
    if (started !== null) registry.launch(started);
    // The client left while the Studio was starting the job: the registry decides what goes on.
    if (started !== null && !open) registry.clientGone(self);
  };

  offClose = pipe.onClose(stop);
  offMessage = pipe.onMessage((raw) => {
    if (!open) return;
    try {
      handle(raw).catch((err: unknown) => replyError(readId(raw), errorInfo(err)));
    } catch (err) {
      replyError(readId(raw), errorInfo(err));
    }
  });

  function stop(): void {
    if (!open) return;
    open = false;
    offMessage();
    offClose();
    registry.clientGone(self);
  }

  return stop;
}

class UnknownJob extends Error {
  constructor(jobId: string, why = 'no such job in this worker') {
    super(`unknown job '${truncate(jobId, 64)}' (${why})`);
  }
}

/** The request's id when one can be read from a malformed message, else ''. */
function readId(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : '';
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'binary data';
  return typeof v;
}

/**
 * A short account of a zod error: up to three issues as `path: message`. Given the schema and the
 * value checked, each message is written for people (core/protocol/validationMessages.ts: "enter
 * a whole number from 1 to 10,000,000"), not in zod's words.
 */
export function describeIssues(error: z.ZodError, schema?: z.ZodType, value?: unknown): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map((p) => String(p)).join('.');
    if (schema && path) return truncate(issueMessage(issue, path, schemaAt(schema, issue.path, value)), 200);
    return truncate(path ? `${path}: ${issue.message}` : issue.message, 200);
  });
  const more = error.issues.length - MAX_ISSUES;
  return parts.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

import { isImageModel } from '../models/config.ts';
import type { WorkerClient } from '../protocol/client.ts';
import type { RunSummary } from '../protocol/messages.ts';
import { UsageError, UserError } from './exitStatus.ts';

/** The kind of run a command needs: `latest` means the newest of that kind. */
export type RunKind = 'any' | 'text' | 'pixelcnn' | 'masked-image' | 'transformer' | 'nar';

/** What a command line may write for a run: a whole id, a unique start of one, or this. */
export const LATEST = 'latest';

/** A run reference in a command's help. */
export const RUN_REF_HELP = 'its id, a unique start of the id, or latest (see ars runs)';

const KIND_NAME: Record<RunKind, string> = {
  any: 'run',
  text: 'text run (lstm, gru, rnn, transformer or nar)',
  pixelcnn: 'pixelcnn run',
  'masked-image': 'masked-image run',
  transformer: 'transformer run',
  nar: 'nar run',
};

/** The model a run trains, as `--model` names it: lstm, gru, rnn, transformer, nar, pixelcnn, masked-image. */
export function runModelName(run: RunSummary): string {
  const m = run.model;
  if (m.family === 'rnn') return m.cell;
  return m.family === 'maskPredict' ? 'nar' : m.family;
}

function isKind(run: RunSummary, kind: RunKind): boolean {
  switch (kind) {
    case 'any':
      return true;
    case 'text':
      return !isImageModel(run.model);
    case 'pixelcnn':
      return run.model.family === 'pixelcnn';
    case 'masked-image':
      return run.model.family === 'masked-image';
    case 'transformer':
      return run.model.family === 'transformer';
    case 'nar':
      return run.model.family === 'maskPredict';
  }
}

/** 'an' before a vowel sound: an lstm, an rnn, a gru, a nar run. */
const article = (word: string) => (/^([aeio]|lstm|rnn)/.test(word) ? 'an' : 'a');

/** `an lstm run`, `a pixelcnn run`: a run of the model `--model` calls `model`. */
export function aRunOf(model: string): string {
  return `${article(model)} ${model} run`;
}

/** Newest first: by creation time, then by id (ids start with their creation time). */
function newestFirst(a: RunSummary, b: RunSummary): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

/**
 * Finds the run a flag names: the whole id, `latest` (the newest run of `kind`), or a start of
 * an id that only one run has. Not there: a UserError; a start that several ids share: a
 * UsageError that lists them; a run of another kind than the command needs: a UserError.
 */
export async function resolveRun(client: WorkerClient, ref: string, flag: string, kind: RunKind = 'any'): Promise<RunSummary> {
  const runs = await client.request('runs.list', {});
  let run = runs.find((r) => r.id === ref);
  if (!run && ref === LATEST) {
    run = runs.filter((r) => isKind(r, kind)).sort(newestFirst)[0];
    if (!run) throw new UserError(`${flag} latest: there is no ${KIND_NAME[kind].replace(/ \(.*/, '')} yet (see ars runs)`);
    return run;
  }
  if (!run) {
    const matches = runs.filter((r) => r.id.startsWith(ref)).sort(newestFirst);
    if (matches.length === 0 || ref === '') throw new UserError(`there is no run ${ref} (see ars runs)`);
    if (matches.length > 1) {
      const shown = matches.slice(0, 8).map((r) => `${r.id} (${runModelName(r)}, ${r.name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')})`);
      const more = matches.length > shown.length ? `, and ${matches.length - shown.length} more` : '';
      throw new UsageError(`${flag} ${ref} matches ${matches.length} runs: ${shown.join(', ')}${more}; give more of the id`);
    }
    run = matches[0]!;
  }
  if (!isKind(run, kind)) {
    const model = runModelName(run);
    throw new UserError(`${flag}: run ${run.id} is ${aRunOf(model)}; this needs ${article(KIND_NAME[kind])} ${KIND_NAME[kind]}`);
  }
  return run;
}

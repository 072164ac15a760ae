import { AUTO, BACKEND_LADDER, parseBackendName } from '../tensor/backendNames.ts';
import type { WorkerClient } from '../protocol/client.ts';
import type { StudioLike } from '../worker/dispatcher.ts';
import { resolveStudioHome } from '../worker/home.ts';
import { createInProcessClient } from '../worker/inProcess.ts';
import { starterRunsOption } from '../worker/starterRuns.ts';
import type { StudioOptions } from '../worker/studio.ts';
import { UsageError } from './exitStatus.ts';
import type { Values } from './flags.ts';
import { str } from './flagValues.ts';
import type { CliIo } from './io.ts';

async function defaultStudio(options: StudioOptions): Promise<StudioLike> {
  // Loaded on demand so that --help and usage errors do not load TensorFlow.js.
  const mod = await import('../worker/studio.ts');
  if (typeof mod.Studio !== 'function') throw new Error('the Studio is not available in this build');
  return new mod.Studio(options);
}

/**
 * The backend the command line asks for (--backend, else $ARS_BACKEND), checked: an unknown name
 * is a usage error that names the valid ones. Undefined when neither is set.
 */
export async function chosenBackend(values: Values, io: CliIo): Promise<string | undefined> {
  const flag = str(values, 'backend');
  const requested = flag ?? (io.env.ARS_BACKEND || undefined);
  if (requested === undefined) return undefined;
  if (requested.trim().toLowerCase() !== AUTO && parseBackendName(requested) === null) {
    const valid = `${BACKEND_LADDER.join(', ')} or ${AUTO}`;
    throw new UsageError(flag !== undefined ? `--backend must be one of ${valid} (got '${requested}')` : `ARS_BACKEND must be one of ${valid} (it is '${requested}')`);
  }
  return requested;
}

/**
 * The Studio for a command. The command line may read any file the person names ('any'); a
 * Studio that serves other clients (`serve --in-process`) reads only `<home>/datasets` (the default).
 */
export async function openStudio(values: Values, io: CliIo, fileAccess: 'any' | 'datasets' = 'any'): Promise<StudioLike> {
  const home = resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd);
  const backend = await chosenBackend(values, io);
  // A new runs folder gets the starter runs (none with ARS_NO_STARTERS); a starter that cannot be installed is a warning.
  const starters = starterRunsOption(io.env);
  const warn = starters.starterRuns ? { warn: (message: string) => io.stderr.write(`warning: ${message}\n`) } : {};
  const options: StudioOptions = { home, ...(backend ? { backend } : {}), ...(fileAccess === 'any' ? { fileAccess } : {}), ...starters, ...warn };
  return io.createStudio ? io.createStudio(options) : defaultStudio(options);
}

/** Runs `use` with a client of an in-process Studio, closed afterwards. */
export async function withClient<T>(values: Values, io: CliIo, use: (client: WorkerClient) => Promise<T>): Promise<T> {
  const connection = createInProcessClient(await openStudio(values, io));
  try {
    return await use(connection.client);
  } finally {
    connection.close();
  }
}

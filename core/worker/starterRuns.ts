import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunStoreError } from '../errors.ts';
import type { RunSummary } from '../protocol/messages.ts';
import { writeFileAtomic } from '../runs/atomicFile.ts';
import { RUN_ARCHIVE_SUFFIX } from '../runs/archiveName.ts';
import { RUN_ID } from '../runs/runMeta.ts';

/**
 * The starter runs: small trained runs shipped with the app (assets/starter, one exported run
 * archive each, built by scripts/starter/build.ts) so that a new data folder can sample, race and
 * complete a drawing at once. They are installed through the verified import path, as ordinary
 * runs marked `starter`; once installed the data folder keeps a marker (starters.json), so a
 * starter the person deletes stays deleted. `restore` brings back the missing ones.
 */

/** The marker in the data folder: the starters were installed here once (and which). */
export const STARTER_MARKER = 'starters.json';

/** Where the starter archives are: $ARS_STARTERS_DIR (the desktop app sets it), else <repo>/assets/starter. */
export function starterAssetsDir(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.ARS_STARTERS_DIR;
  if (fromEnv) return fromEnv;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'starter');
}

/** The starter assets a front end gives its Studio: none where $ARS_NO_STARTERS is set (tests that count runs). */
export function starterRunsOption(env: Record<string, string | undefined>): { starterRuns?: string } {
  const off = env.ARS_NO_STARTERS;
  return off && off !== '0' ? {} : { starterRuns: starterAssetsDir(env) };
}

export interface StarterArchive {
  /** The run id it installs under (its file name less the suffix). */
  runId: string;
  file: string;
}

/** The starter archives in `dir`, by name; a missing folder is an error (the app was packed without them). */
export async function listStarterArchives(dir: string): Promise<StarterArchive[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new RunStoreError(`the starter runs are missing: there is no folder ${dir}`);
  }
  return names
    .filter((n) => n.endsWith(RUN_ARCHIVE_SUFFIX) && RUN_ID.test(n.slice(0, -RUN_ARCHIVE_SUFFIX.length)))
    .sort()
    .map((n) => ({ runId: n.slice(0, -RUN_ARCHIVE_SUFFIX.length), file: join(dir, n) }));
}

export interface StarterDeps {
  /** The data folder (where the marker is kept). */
  home: string;
  /** Where the archives are. */
  dir: string;
  /** Whether a run of this id is in the runs folder. */
  hasRun(runId: string): Promise<boolean>;
  /** Adds a run from an archive through the verified import (every checkpoint checked); RunStoreError if any part is wrong. */
  importRun(archive: Uint8Array, fileName: string): Promise<RunSummary>;
  deleteRun(runId: string): Promise<void>;
}

export interface StarterOutcome {
  restored: RunSummary[];
  /** Starters already there, left as they are. */
  present: string[];
  /** Archives that could not be installed, each with why. */
  failed: { runId: string; message: string }[];
}

/**
 * Installs the starters missing from the runs folder; never replaces or touches a run that is
 * there. Marks the data folder unless every archive failed.
 */
export async function installMissingStarters(deps: StarterDeps): Promise<StarterOutcome> {
  const outcome: StarterOutcome = { restored: [], present: [], failed: [] };
  for (const { runId, file } of await listStarterArchives(deps.dir)) {
    if (await deps.hasRun(runId)) {
      outcome.present.push(runId);
      continue;
    }
    try {
      const bytes = new Uint8Array(await readFile(file));
      const run = await deps.importRun(bytes, `starter run ${runId}`);
      if (run.id !== runId) {
        await deps.deleteRun(run.id); // an archive named for another run: not kept, or restore would add it again and again
        throw new RunStoreError(`its archive holds run ${run.id}, not ${runId}`);
      }
      outcome.restored.push(run);
    } catch (err) {
      outcome.failed.push({ runId, message: (err as Error).message });
    }
  }
  const worked = outcome.failed.length === 0 || outcome.restored.length + outcome.present.length > 0;
  if (worked && (outcome.restored.length > 0 || !(await startersInstalled(deps.home)))) await markInstalled(deps.home, outcome);
  return outcome;
}

/** Writes the marker (best effort: a read-only folder only means the starters are offered again). */
async function markInstalled(home: string, outcome: StarterOutcome): Promise<void> {
  const record = { installedAt: new Date().toISOString(), runs: [...outcome.present, ...outcome.restored.map((r) => r.id)] };
  try {
    await mkdir(home, { recursive: true });
    await writeFileAtomic(join(home, STARTER_MARKER), `${JSON.stringify(record, null, 2)}\n`);
  } catch {
    // not kept: nothing is lost
  }
}

/** Whether this data folder has had its starters installed (the marker is there). */
export async function startersInstalled(home: string): Promise<boolean> {
  return lstat(join(home, STARTER_MARKER)).then(
    () => true,
    () => false,
  );
}

/**
 * On a Studio's start: installs the starters into a data folder that never had them, and marks
 * it. Nothing is thrown: a missing or damaged starter is reported through `warn` (the app starts
 * anyway); where every archive failed the marker is left unwritten, so a fixed install tries again.
 */
export async function installStartersOnFirstStart(deps: StarterDeps, warn: (message: string) => void): Promise<StarterOutcome | null> {
  if (await startersInstalled(deps.home)) return null;
  try {
    const outcome = await installMissingStarters(deps);
    for (const f of outcome.failed) warn(`The starter run ${f.runId} could not be installed: ${f.message}`);
    return outcome;
  } catch (err) {
    warn(`The starter runs could not be installed: ${(err as Error).message}`);
    return null;
  }
}

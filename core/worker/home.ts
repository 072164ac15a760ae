import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The folder a Studio keeps its runs in: the flag, else $ARS_HOME, else ~/.autoregressive-studio. */
export function resolveStudioHome(flag: string | undefined, env: Record<string, string | undefined>, cwd = process.cwd()): string {
  if (flag) return resolve(cwd, flag);
  if (env.ARS_HOME) return resolve(cwd, env.ARS_HOME);
  return join(homedir(), '.autoregressive-studio');
}

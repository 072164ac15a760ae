import { StudioError } from '../errors.ts';
import { WorkerError } from '../protocol/client.ts';
import { oneLine, type CliIo } from './io.ts';

/**
 * Exit statuses, one per kind of failure (the overall help and the README list them):
 * 0 done; 1 the data, a file, a run or a setting cannot be used (or is not there); 2 the command
 * line is wrong; 70 an internal error (a bug); 130 interrupted (Ctrl-C).
 */
export const EXIT_OK = 0;
export const EXIT_USER = 1;
/** The former name of EXIT_USER. */
export const EXIT_ERROR = EXIT_USER;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
export const EXIT_INTERRUPTED = 130;

/** The exit statuses, as the overall help lists them. */
export const EXIT_STATUS_HELP = `Exit status:
  0    done
  1    the data, a file, a run or a setting cannot be used, or is not there
  2    the command line is wrong (an unknown or missing option, a bad value)
  70   internal error (a bug: run again with ARS_DEBUG=1 and report what it prints)
  130  interrupted (Ctrl-C)`;

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Something the person named cannot be used or is not there (a file, a run): exit status 1. */
export class UserError extends Error {
  override name = 'UserError';
}

/** The worker's codes for its own faults (anything else it reports is about the person's input). */
const INTERNAL_CODES = new Set(['INTERNAL_ERROR', 'PROTOCOL_ERROR']);

/** A Node file-system error (ENOENT, EACCES, …) with the path it was about. */
function errnoInfo(err: unknown): { code: string; path?: string } | null {
  if (!(err instanceof Error) || !('code' in err) || typeof err.code !== 'string' || !/^E[A-Z]+$/.test(err.code)) return null;
  const path = 'path' in err && typeof err.path === 'string' ? err.path : undefined;
  return path === undefined ? { code: err.code } : { code: err.code, path };
}

/** What a file-system error means, in words: `file not found: PATH`, `permission denied: PATH`. */
export function describeFileError(code: string, path: string): string {
  switch (code) {
    case 'ENOENT':
      return `file not found: ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${path}`;
    case 'EISDIR':
      return `${path} is a folder, not a file`;
    case 'ENOTDIR':
      return `file not found: ${path} (a part of the path is not a folder)`;
    case 'EEXIST':
      return `${path} exists already`;
    case 'ENOSPC':
      return `no space left on the disk for ${path}`;
    default:
      return `cannot use ${path} (${code})`;
  }
}

/** The exit status an error means. */
export function exitStatusOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof UserError || err instanceof StudioError) return EXIT_USER;
  if (err instanceof WorkerError) return INTERNAL_CODES.has(err.code) ? EXIT_INTERNAL : EXIT_USER;
  if (errnoInfo(err)) return EXIT_USER;
  return EXIT_INTERNAL;
}

/**
 * Prints an error on stderr, on a line of its own (with its code and stack when ARS_DEBUG=1);
 * returns the exit status. `openLines` tells whether stdout or stderr hold an unfinished line.
 */
export function reportError(err: unknown, io: CliIo, openLines: { stdout: boolean; stderr: boolean } = { stdout: false, stderr: false }): number {
  const errno = errnoInfo(err);
  const message = errno?.path !== undefined ? describeFileError(errno.code, errno.path) : err instanceof Error ? err.message : String(err);
  // Finish a half-written line first (a prompt, a progress bar), so the error stands on its own.
  if (openLines.stdout) io.stdout.write('\n');
  io.stderr.write(`${openLines.stderr ? '\n' : ''}error: ${oneLine(message)}\n`);
  const status = exitStatusOf(err);
  if (io.env.ARS_DEBUG === '1') {
    if (err instanceof WorkerError || (err instanceof Error && 'code' in err)) io.stderr.write(`code: ${String((err as { code: unknown }).code)}\n`);
    if (err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  } else if (status === EXIT_INTERNAL) {
    io.stderr.write('(an internal error: run again with ARS_DEBUG=1 for details, and please report it)\n');
  }
  return status;
}

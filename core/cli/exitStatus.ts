import { WorkerError } from '../protocol/client.ts';
import { oneLine, type CliIo } from './io.ts';

/** Exit statuses. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints an error on stderr (with its code and stack when ARS_DEBUG=1); returns the exit status. */
export function reportError(err: unknown, io: CliIo): number {
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`error: ${oneLine(message)}\n`);
  if (io.env.ARS_DEBUG === '1') {
    if (err instanceof WorkerError || (err instanceof Error && 'code' in err)) io.stderr.write(`code: ${String((err as { code: unknown }).code)}\n`);
    if (err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  }
  return err instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
}

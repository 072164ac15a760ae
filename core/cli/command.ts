import type { Options, Values } from './flags.ts';
import type { CliIo } from './io.ts';

/** One `ars` command: its line in the overall help, its own help, its flags, and what it does. */
export interface Command {
  summary: string;
  help: string;
  options: Options;
  run(values: Values, io: CliIo): Promise<number>;
}

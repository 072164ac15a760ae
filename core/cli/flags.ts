import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exitStatus.ts';

/** A command line's flags by name, as parseArgs returns them. */
export type Values = Record<string, string | boolean | undefined>;
/** The flags a command takes, as parseArgs expects them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** String-valued flags by name, for parseArgs. */
export function stringFlags(...names: string[]): Options {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
}

/** The flags of every command that opens the Studio. */
export const STUDIO_OPTIONS: Options = {
  ...stringFlags('runs-dir', 'backend'),
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** STUDIO_OPTIONS in a command's help. */
export const STUDIO_HELP = `  --runs-dir DIR      where runs are kept (default: $ARS_HOME, else ~/.autoregressive-studio)
  --backend NAME      compute backend, e.g. cpu, wasm (default: $ARS_BACKEND, else the best available)
  --json              machine-readable output
  -h, --help          show this help`;

/** Parses a command's arguments; a mistake becomes a UsageError that points at its help. */
export function parseCommandLine(name: string, options: Options, args: string[]): Values {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Node's messages run on ("... To specify a positional argument ..."): keep the first sentence.
    const first = (message.split(/\.\s/, 1)[0] ?? message).replace(/\.$/, '');
    throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} (see ars ${name} --help)`);
  }
}

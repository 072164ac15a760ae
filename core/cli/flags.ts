import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exitStatus.ts';
import type { CliIo } from './io.ts';

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
  --backend NAME      compute backend: tensorflow-gpu, webgpu, tensorflow, wasm, cpu or auto
                      (default: $ARS_BACKEND, else the best available)
  --json              machine-readable output on stdout (progress and warnings go to stderr)
  -h, --help          show this help`;

/** A value that is a negative number (`-5`, `-0.5`, `-1e-3`), not an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--steps -5` → `--steps=-5`: parseArgs takes a value that starts with '-' for an option and
 * calls it ambiguous; a negative number given to a string option is that option's value (whether
 * it is allowed is for the option's own check to say).
 */
function joinNegativeValues(options: Options, args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Parses a command's arguments; a mistake becomes a UsageError that points at its help. */
export function parseCommandLine(name: string, options: Options, args: readonly string[]): Values {
  try {
    const { values } = parseArgs({ args: joinNegativeValues(options, args), options, strict: true, allowPositionals: false });
    return values as Values;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // `--prompt --length 5`, or a value that starts with '-': say how to give one.
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const flag = ambiguous[1]!;
      throw new UsageError(`${flag} needs a value (for one that starts with '-', write ${flag}=VALUE) (see ars ${name} --help)`);
    }
    const missing = /^Option '(--[\w-]+) <value>' argument missing/.exec(message);
    if (missing) throw new UsageError(`${missing[1]!} needs a value (see ars ${name} --help)`);
    // Node's messages run on ("... To specify a positional argument ..."): keep the first sentence.
    const first = (message.split(/\.\s/, 1)[0] ?? message).replace(/\.$/, '');
    throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} (see ars ${name} --help)`);
  }
}

/**
 * Warns on stderr about each given flag in `flags` that does nothing here, e.g.
 * `warning: --heads does nothing for an lstm model (it is for transformer and nar)`.
 * `flags` maps a flag's name to what it is for.
 */
export function warnIgnored(values: Values, io: CliIo, flags: Record<string, string>, here: string): void {
  for (const [flag, usedBy] of Object.entries(flags)) {
    if (values[flag] !== undefined) io.stderr.write(`warning: --${flag} does nothing ${here} (it is for ${usedBy})\n`);
  }
}

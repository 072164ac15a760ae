import type { Command } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { completeCommand } from './commands/complete.ts';
import { deleteCommand } from './commands/delete.ts';
import { exportCommand } from './commands/export.ts';
import { importCommand } from './commands/import.ts';
import { infoCommand } from './commands/info.ts';
import { raceCommand } from './commands/race.ts';
import { resumeCommand } from './commands/resume.ts';
import { runsCommand } from './commands/runs.ts';
import { sampleCommand } from './commands/sample.ts';
import { serveCommand } from './commands/serve.ts';
import { showCommand } from './commands/show.ts';
import { trainCommand } from './commands/train.ts';
import { EXIT_OK, EXIT_USAGE, UsageError, reportError } from './exitStatus.ts';
import { parseCommandLine } from './flags.ts';
import type { CliIo } from './io.ts';

export type { CliIo, OutputStream } from './io.ts';
export { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from './exitStatus.ts';
export { defaultLicensesFile, defaultStaticDir } from './commands/serve.ts';

/** Every command, in the order the overall help lists them. */
const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  resume: resumeCommand,
  sample: sampleCommand,
  race: raceCommand,
  complete: completeCommand,
  runs: runsCommand,
  show: showCommand,
  delete: deleteCommand,
  export: exportCommand,
  import: importCommand,
  info: infoCommand,
  bench: benchCommand,
  serve: serveCommand,
};

function overallHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const list = Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join('\n');
  return `ars: Autoregressive Studio from the command line

Usage: ars <command> [options]

Commands:
${list}

Run ars <command> --help for a command's options.
Environment: ARS_HOME (runs folder), ARS_BACKEND (backend), ARS_DEBUG=1 (stack traces on errors).`;
}

/** Runs one `ars` command line; resolves to the exit status. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) {
      io.stderr.write(`${overallHelp()}\n`);
      return EXIT_USAGE;
    }
    if (name === '--help' || name === '-h') {
      io.stdout.write(`${overallHelp()}\n`);
      return EXIT_OK;
    }
    if (name === 'help') {
      const topic = rest[0];
      if (topic === undefined) io.stdout.write(`${overallHelp()}\n`);
      else if (Object.hasOwn(COMMANDS, topic)) io.stdout.write(`${COMMANDS[topic]!.help}\n`);
      else throw new UsageError(`unknown command '${topic}' (see ars --help)`);
      return EXIT_OK;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new UsageError(name.startsWith('-') ? `expected a command before '${name}' (see ars --help)` : `unknown command '${name}' (see ars --help)`);
    }
    const command = COMMANDS[name]!;
    const values = parseCommandLine(name, command.options, rest);
    if (values.help === true) {
      io.stdout.write(`${command.help}\n`);
      return EXIT_OK;
    }
    return await command.run(values, io);
  } catch (err) {
    return reportError(err, io);
  }
}

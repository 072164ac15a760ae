import type { Command } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { completeCommand } from './commands/complete.ts';
import { deleteCommand } from './commands/delete.ts';
import { exportCommand } from './commands/export.ts';
import { importCommand } from './commands/import.ts';
import { infoCommand } from './commands/info.ts';
import { limitsCommand } from './commands/limits.ts';
import { raceCommand } from './commands/race.ts';
import { raceImageCommand } from './commands/raceImage.ts';
import { resumeCommand } from './commands/resume.ts';
import { runsCommand } from './commands/runs.ts';
import { sampleCommand } from './commands/sample.ts';
import { serveCommand } from './commands/serve.ts';
import { showCommand } from './commands/show.ts';
import { startersCommand } from './commands/starters.ts';
import { trainCommand } from './commands/train.ts';
import { EXIT_OK, EXIT_STATUS_HELP, EXIT_USAGE, UsageError, reportError } from './exitStatus.ts';
import { parseCommandLine } from './flags.ts';
import { LineTrackingStream, type CliIo } from './io.ts';
import { versionText } from './version.ts';

export type { CliIo, OutputStream } from './io.ts';
export { EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, EXIT_USER, UsageError, UserError } from './exitStatus.ts';
export { defaultLicensesFile, defaultStaticDir } from './commands/serve.ts';

/** Every command, in the order the overall help lists them. */
const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  resume: resumeCommand,
  sample: sampleCommand,
  race: raceCommand,
  complete: completeCommand,
  'race-image': raceImageCommand,
  limits: limitsCommand,
  runs: runsCommand,
  show: showCommand,
  delete: deleteCommand,
  export: exportCommand,
  import: importCommand,
  starters: startersCommand,
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
       ars --version | --help

Commands:
${list}

Run ars <command> --help for a command's options.
A run is named by its id, a unique start of the id, or latest (the newest run of the kind the
command needs). Results and --json go to stdout; progress, warnings and errors to stderr.
Environment: ARS_HOME (runs folder), ARS_BACKEND (backend), ARS_DEBUG=1 (stack traces on errors).

${EXIT_STATUS_HELP}`;
}

/** Runs one `ars` command line; resolves to the exit status. Never throws. */
export async function runCli(argv: readonly string[], outerIo: CliIo): Promise<number> {
  // The commands write through these, so that an error can start a line of its own.
  const stdout = new LineTrackingStream(outerIo.stdout);
  const stderr = new LineTrackingStream(outerIo.stderr);
  const io: CliIo = { ...outerIo, stdout, stderr };
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
    if (name === '--version') {
      io.stdout.write(`${versionText()}\n`);
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
    return reportError(err, io, { stdout: stdout.open, stderr: stderr.open });
  }
}

/**
 * The `ars` command: `ars …` (package.json "bin": ars.mjs runs this file through tsx),
 * `npx tsx core/cli/main.ts …` or `npm run ars -- …`. runCli.ts dispatches to
 * the commands (commands/, one file each); this file connects them to the process (argv, streams,
 * Ctrl-C, exit status).
 */
import { EXIT_INTERRUPTED, runCli, type CliIo } from './runCli.ts';

const handlers = new Set<() => void>();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  // The first Ctrl-C asks the running command to stop cleanly; the second quits at once.
  if (interrupts > 1 || handlers.size === 0) process.exit(EXIT_INTERRUPTED);
  for (const h of [...handlers]) h();
});

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onInterrupt(handler) {
    handlers.add(handler);
    return () => handlers.delete(handler);
  },
};

const status = await runCli(process.argv.slice(2), io);
// TensorFlow.js may hold the event loop open; leave once the output is flushed.
process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));

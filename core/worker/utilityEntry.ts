/**
 * The worker's entry in the desktop app: Electron's main process starts this file with
 * `utilityProcess.fork(entry, ['--home', DIR])`, creates a MessageChannelMain, hands one port to
 * the renderer and posts the other here as `{ type: 'connect' }`. Each port is served with the
 * same protocol as every other transport.
 */
import { parseArgs } from 'node:util';
import { errorInfo } from '../errors.ts';
import type { StudioLike } from './dispatcher.ts';
import { FATAL_EXIT_CODE, onFatalBackendError } from './fatalErrors.ts';
import { resolveStudioHome } from './home.ts';
import { serveParentPort, type ParentPortLike } from './messagePortPipe.ts';
import { starterRunsOption } from './starterRuns.ts';
import { Studio } from './studio.ts';

function main(): void {
  const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
  if (!parentPort) {
    process.stderr.write('error: utilityEntry must be started by Electron as a utility process\n');
    process.exit(1);
  }
  const { values } = parseArgs({ args: process.argv.slice(2), options: { home: { type: 'string' } }, strict: false });
  const home = resolveStudioHome(typeof values.home === 'string' ? values.home : undefined, process.env);
  let studio: StudioLike;
  try {
    studio = new Studio({ home, ...(process.env.ARS_BACKEND ? { backend: process.env.ARS_BACKEND } : {}), ...starterRunsOption(process.env) });
  } catch (err) {
    // Tell main why the worker cannot start; main shows it to the user.
    parentPort.postMessage({ type: 'fatal', error: errorInfo(err) });
    process.stderr.write(`error: ${errorInfo(err).message}\n`);
    process.exit(1);
  }
  // The backend is unusable (a WebAssembly abort): leave once the error is sent; main starts a fresh worker.
  onFatalBackendError((error) => {
    process.stderr.write(`error: ${error.message}\n`);
    setTimeout(() => process.exit(FATAL_EXIT_CODE), 300);
  });
  serveParentPort(parentPort, studio);
  parentPort.postMessage({ type: 'ready' });
}

main();

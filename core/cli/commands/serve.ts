import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveStudioHome } from '../../worker/home.ts';
import { isLoopbackHost, startWebServer, type WebServer } from '../../worker/webServer.ts';
import type { WorkerSupervisor } from '../../worker/workerProcess.ts';
import type { Command } from '../command.ts';
import { EXIT_OK, UsageError, UserError } from '../exitStatus.ts';
import { stringFlags } from '../flags.ts';
import { checkRange, optInt, str } from '../flagValues.ts';
import { oneLine } from '../io.ts';
import { chosenBackend, openStudio } from '../studioAccess.ts';

/** The repository root, from this file's place in the tree (core/cli/commands). */
function repoRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** <repo>/out/renderer: the built page. */
export function defaultStaticDir(): string {
  return join(repoRoot(), 'out', 'renderer');
}

/** <repo>/build/THIRD_PARTY_LICENSES.txt (npm run licenses), served at /licenses.txt. */
export function defaultLicensesFile(): string {
  return join(repoRoot(), 'build', 'THIRD_PARTY_LICENSES.txt');
}

export const serveCommand: Command = {
  summary: 'open the studio in a web browser (web mode)',
  help: `Usage: ars serve [--host H] [--port P] [options]

Serves the studio on this machine and prints the address to open, with its access token.
Build the page first: npm run web does both.

The worker (training, sampling, the runs) runs in a child process; if it dies it is started
again, connected pages reconnect, and runs it was training show as interrupted (resume them).
Files named by path are read only from DIR/datasets (uploads from the page work anywhere).

  --host H            interface to listen on (default 127.0.0.1). Anything else lets other
                      machines reach the studio: anyone with the address can train and read runs.
  --port P            port (default: any free port)
  --runs-dir DIR      where runs are kept (default: $ARS_HOME, else ~/.autoregressive-studio)
  --backend NAME      compute backend: tensorflow-gpu, webgpu, tensorflow, wasm, cpu or auto
                      (default: $ARS_BACKEND, else the best available)
  --in-process        run the worker inside this process (no restart if it crashes)
  -h, --help          show this help`,
  options: {
    ...stringFlags('host', 'port', 'runs-dir', 'backend'),
    'in-process': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  async run(values, io) {
    const host = str(values, 'host') ?? '127.0.0.1';
    if (host === '') throw new UsageError('--host must not be empty');
    const port = checkRange('port', optInt(values, 'port') ?? 0, 0, 65535);
    const staticDir = io.staticDir ?? defaultStaticDir();
    if (!existsSync(join(staticDir, 'index.html'))) {
      throw new UserError(`the web page is not built (${staticDir} has no index.html): run npm run web, or npm run build:renderer first`);
    }
    // In-process when asked, or when the caller supplies the Studio (tests: it cannot cross a process).
    let supervisor: WorkerSupervisor | null = null;
    let server: WebServer;
    if (values['in-process'] === true || io.createStudio) {
      server = await startWebServer({ studio: await openStudio(values, io, 'datasets'), host, port, staticDir, licensesFile: defaultLicensesFile() });
    } else {
      const home = resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd);
      const backend = await chosenBackend(values, io);
      const { WorkerSupervisor } = await import('../../worker/workerProcess.ts');
      // Worker output and restarts go to stderr; the worker never sees the token.
      supervisor = new WorkerSupervisor({ home, ...(backend ? { backend } : {}), log: (line) => io.stderr.write(`${oneLine(line)}\n`) });
      try {
        await supervisor.start();
        server = await startWebServer({ worker: supervisor, host, port, staticDir, licensesFile: defaultLicensesFile() });
      } catch (err) {
        await supervisor.close();
        throw err;
      }
    }
    if (!isLoopbackHost(host)) {
      io.stderr.write(
        `warning: listening on ${host}, not on this machine only: anyone who can reach this address and has the token can train models and read your runs\n`,
      );
    }
    // The one place the token is ever printed.
    io.stdout.write(`Autoregressive Studio is serving on ${server.url}\n`);
    await new Promise<void>((stop) => {
      const off = io.onInterrupt(() => {
        off();
        stop();
      });
    });
    await server.close();
    await supervisor?.close();
    return EXIT_OK;
  },
};

#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is installed, the web mode otherwise.
// Arguments after `npm start --` go to `ars serve` in web mode (e.g. `npm start -- --port 8080`).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electronBinary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';
const npm = isWindows ? 'npm.cmd' : 'npm';
const bin = (name) => join(root, 'node_modules', '.bin', isWindows ? `${name}.cmd` : name);

/** Runs a command to its end; resolves with its exit code (signals forwarded to it). */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', shell: isWindows });
    // A terminal's Ctrl-C already reaches the child (same process group): only wait for it then.
    const forward = (signal) => (signal === 'SIGINT' && process.stdin.isTTY ? undefined : child.kill(signal));
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`Could not run ${command}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main() {
  const electron = findElectronBinary(root);
  if (electron.path) {
    const built = await run(npm, ['run', '--silent', 'build']);
    if (built !== 0) return built;
    return run(electron.path, ['.']);
  }
  console.log(`${electron.reason} — starting the web mode instead.`);
  const built = await run(npm, ['run', '--silent', 'build:renderer', '--', '--logLevel', 'warn']);
  if (built !== 0) return built;
  return run(bin('tsx'), ['core/cli/main.ts', 'serve', ...process.argv.slice(2)]);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

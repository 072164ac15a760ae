/**
 * The desktop app starts: a window titled "Autoregressive Studio" whose status bar names the
 * worker's backend (so main forked the worker and the renderer reached it over its port); a
 * worker killed with SIGKILL is restarted and the user is told.
 * Needs Electron's binary, which `npm install` downloads; where it could not, this test is
 * skipped and says why.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication } from 'playwright-core';
import { findElectronBinary } from '../../scripts/electronBinary.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const electron = findElectronBinary(ROOT);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = electron.path === null ? electron.reason : noDisplay ? 'there is no display (run the tests under xvfb-run -a)' : null;

if (skipReason) console.warn(`[electron] skipping the desktop launch test: ${skipReason}.`);

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`electron-vite build failed:\n${output}`))));
  });
}

describe('desktop app', () => {
  let app: ElectronApplication | null = null;
  let userData = '';

  afterAll(async () => {
    await app?.close();
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  it.skipIf(skipReason !== null)(
    'opens a window whose status bar names the backend',
    async () => {
      await build();
      userData = mkdtempSync(join(tmpdir(), 'ars-electron-'));
      app = await _electron.launch({
        executablePath: electron.path!,
        // Chromium refuses to run as root with its sandbox (CI containers run as root).
        args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), `--user-data-dir=${userData}`, '.'],
        cwd: ROOT,
      });
      const window = await app.firstWindow();
      await window.waitForLoadState('domcontentloaded');
      expect(await window.title()).toBe('Autoregressive Studio');
      await expect.poll(() => window.getByTestId('status-backend').textContent(), { timeout: 90_000 }).toMatch(/\S/);
      expect(await window.getByTestId('status-connection').textContent()).toContain('Connected');
    },
    240_000,
  );

  it.skipIf(skipReason !== null)(
    'restarts the worker after a SIGKILL and tells the user',
    async () => {
      const window = await app!.firstWindow();
      const workerPids = async () =>
        (await app!.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().filter((m) => m.type === 'Utility').map((m) => m.pid))) as number[];
      const before = await workerPids();
      expect(before.length).toBeGreaterThan(0);
      for (const pid of before) process.kill(pid, 'SIGKILL');
      await expect.poll(async () => (await workerPids()).filter((pid) => !before.includes(pid)).length, { timeout: 60_000 }).toBeGreaterThan(0);
      await expect.poll(() => window.getByTestId('notice').allTextContents(), { timeout: 60_000 }).toContainEqual(expect.stringMatching(/restarted/));
      await expect.poll(() => window.getByTestId('status-connection').textContent(), { timeout: 60_000 }).toContain('Connected');
    },
    180_000,
  );
});

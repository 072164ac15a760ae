/**
 * The desktop app starts: a window titled "Autoregressive Studio" whose status bar names the
 * worker's backend (so main forked the worker and the renderer reached it over its port); a
 * worker killed with SIGKILL is restarted and the user is told.
 * Needs Electron's binary, which `npm install` downloads; where it could not, this test is
 * skipped and says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication } from 'playwright-core';
import { findElectronBinary } from '../../scripts/electronBinary.mjs';
import { ROOT, buildElectronApp } from './electronBuild.ts';

const electron = findElectronBinary(ROOT);
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skipReason = electron.path === null ? electron.reason : noDisplay ? 'there is no display (run the tests under xvfb-run -a)' : null;

if (skipReason) console.warn(`[electron] skipping the desktop launch test: ${skipReason}.`);

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
      await buildElectronApp();
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

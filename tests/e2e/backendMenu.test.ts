/**
 * The backend menu in the status bar, in Chromium against `ars serve`: choosing a rung switches
 * the worker's backend, a rung that cannot run says why and falls back visibly, and the choice
 * is remembered for the data folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, ensureRenderer, launchChromium, openApp, openPage, removeDir, startServe, stop, tempRunsDir, warnIfNoChromium, type Serve } from './harness.ts';

warnIfNoChromium('the backend menu browser test');

describe.skipIf(!HAVE_CHROMIUM)('backend menu (Chromium, web mode)', () => {
  let runsDir = '';
  let serve: Serve | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    await ensureRenderer();
    runsDir = tempRunsDir();
    serve = await startServe(runsDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (serve) await stop(serve.child);
    removeDir(runsDir);
  });

  it('switches to cpu, refuses the missing native rung visibly, and goes back to auto', async () => {
    const { page, problems } = await openPage(browser!, { width: 1280, height: 800 });
    await openApp(page, serve!.url);
    const backend = page.getByTestId('status-backend');
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');

    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-cpu').click();
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('cpu');
    expect(JSON.parse(readFileSync(join(runsDir, 'settings.json'), 'utf8'))).toEqual({ backend: 'cpu' });

    // tfjs-node is not installed here: the worker says so and keeps the next rung.
    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-tensorflow').click();
    await expect.poll(() => page.getByTestId('notice').first().textContent(), { timeout: 30_000 }).toMatch(/tensorflow backend cannot be used here/);
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');

    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-auto').click();
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');
    expect(JSON.parse(readFileSync(join(runsDir, 'settings.json'), 'utf8'))).toEqual({});
    expect(problems).toEqual([]);
  });
});

/**
 * The backend menu in the status bar, in Chromium against `ars serve`: choosing a rung switches
 * the worker's backend, a rung that cannot run says why and falls back visibly, and the choice
 * is remembered for the data folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, openApp, openPage, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the backend menu browser test');

describe.skipIf(!HAVE_CHROMIUM)('backend menu (Chromium, web mode)', () => {
  const studio = useStudio();

  it('switches to cpu, refuses the missing native rung visibly, and goes back to auto', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 800 });
    await openApp(page, studio.url);
    const backend = page.getByTestId('status-backend');
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');

    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-cpu').click();
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('cpu');
    expect(JSON.parse(readFileSync(join(studio.runsDir, 'settings.json'), 'utf8'))).toEqual({ backend: 'cpu' });

    // tfjs-node is not installed here: the worker says so and keeps the next rung.
    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-tensorflow').click();
    await expect.poll(() => page.getByTestId('notice').first().textContent(), { timeout: 30_000 }).toMatch(/tensorflow backend cannot be used here/);
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');

    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-auto').click();
    await expect.poll(() => backend.textContent(), { timeout: 30_000 }).toBe('wasm');
    expect(JSON.parse(readFileSync(join(studio.runsDir, 'settings.json'), 'utf8'))).toEqual({});
    expect(problems).toEqual([]);
  });

  it('shows the About view: version, backend, the bundled data and their licences', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 800 });
    await openApp(page, studio.url);
    await expect.poll(() => page.getByTestId('status-backend').textContent(), { timeout: 30_000 }).toBe('wasm');
    await page.getByTestId('about-button').click();
    const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')).version as string;
    expect(await page.getByTestId('about-version').textContent()).toBe(version);
    expect(await page.getByTestId('about-backend').textContent()).toMatch(/Backend\s+wasm/);
    const text = (await page.getByTestId('about-dialog').textContent()) ?? '';
    expect(text).toContain('MNIST');
    expect(text).toContain('Sonnets');
    expect(await page.getByTestId('about-licenses').getAttribute('href')).toBe('./licenses.txt');
    await page.getByTestId('about-close').click();
    await expect.poll(() => page.getByTestId('about-dialog').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

/**
 * The Race tab with no runs yet, in Chromium against `ars serve`: "Train a pair" trains a causal
 * and a mask-predict Transformer side by side, chooses them, and the race runs on them.
 */
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, openApp, openPage, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the race pair browser test');

describe.skipIf(!HAVE_CHROMIUM)('race pair (Chromium, web mode)', () => {
  const studio = useStudio();

  it('trains a matched AR/NAR pair in one click and races it', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(page, studio.url);
    await page.getByTestId('tab-race').click();
    await expect.poll(() => page.getByTestId('race-pair').count()).toBe(1);
    await page.getByTestId('race-pair-steps').fill('12');
    await page.getByTestId('race-pair-train').click();
    await expect.poll(() => page.getByTestId('race-pair-outcome').textContent(), { timeout: 180_000 }).toContain('Both models are trained');
    await expect.poll(() => page.getByTestId('race-ar-run').locator('option:checked').textContent(), { timeout: 30_000 }).toContain('race pair · AR');
    expect(await page.getByTestId('race-nar-run').locator('option:checked').textContent()).toContain('race pair · NAR');

    await page.getByTestId('race-length').fill('16');
    await page.getByTestId('race-start').click();
    await expect.poll(() => page.getByTestId('race-status').textContent(), { timeout: 120_000 }).toBe('Every lane finished.');
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBe(2);
    expect(problems).toEqual([]);
  });
});

/**
 * The Race tab with no runs yet, in Chromium against `ars serve`: "Train a pair" trains a causal
 * Transformer, then a mask-predict Transformer distilled from it (the AR model writes the text
 * the NAR model trains on), chooses them, and the race runs on them and charts its frontier.
 */
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, openApp, openPage, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the race pair browser test');

describe.skipIf(!HAVE_CHROMIUM)('race pair (Chromium, web mode)', () => {
  const studio = useStudio();

  it('trains an AR model, then a NAR model distilled from it, in one click, and races them', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(page, studio.url);
    await page.getByTestId('tab-race').click();
    await expect.poll(() => page.getByTestId('race-pair').count()).toBe(1);
    await page.getByTestId('race-pair-steps').fill('10');
    expect(await page.getByTestId('race-pair-distil').isChecked()).toBe(true);
    // A steps value out of range says so beside the field, and the pair cannot start.
    await page.getByTestId('race-pair-steps').fill('3');
    await expect.poll(() => page.getByTestId('race-pair-steps-error').textContent()).toBe('Steps each: enter a whole number from 10 to 100,000');
    expect(await page.getByTestId('race-pair-train').isDisabled()).toBe(true);
    await page.getByTestId('race-pair-steps').fill('10');
    await page.getByTestId('race-pair-train').click();
    // Phase one: the AR model trains; the NAR model waits for it.
    await expect.poll(() => page.getByTestId('race-pair').textContent(), { timeout: 60_000 }).toContain('NAR (mask-predict): waits for the AR model');
    // The race cannot start while the pair trains, and says so beside its button.
    expect(await page.getByTestId('race-start').isDisabled()).toBe(true);
    expect(await page.getByTestId('race-blocker').textContent()).toMatch(/waits for “Train a pair” to finish/);
    // Phase two: the AR model writes the distillation text (with its own bar), then the NAR model trains on it.
    await expect.poll(() => page.getByTestId('race-pair-distill-progress').count(), { timeout: 180_000 }).toBe(1);
    expect(await page.getByTestId('race-pair').textContent()).toMatch(/AR \(causal Transformer\):\s*step 10 \/ 10 ✓/);
    expect(await page.getByTestId('race-pair').textContent()).toMatch(/Generating distillation text [\d,]+\/20,480/);
    // The NAR model is training from the distillation text: still no race.
    expect(await page.getByTestId('race-start').isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId('race-pair-outcome').textContent(), { timeout: 300_000 }).toContain('Both models are trained');
    await expect.poll(() => page.getByTestId('race-start').isEnabled()).toBe(true);
    await expect.poll(() => page.getByTestId('race-ar-run').locator('option:checked').textContent(), { timeout: 30_000 }).toContain('race pair · AR');
    expect(await page.getByTestId('race-nar-run').locator('option:checked').textContent()).toContain('race pair · NAR (distilled)');

    await page.getByTestId('race-length').fill('16');
    await page.getByTestId('race-start').click();
    await expect.poll(() => page.getByTestId('race-status').textContent(), { timeout: 120_000 }).toBe('Every lane finished.');
    // Beside the results, the quality–speed frontier: a point for every strategy.
    await expect.poll(() => page.getByTestId('frontier-chart').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.getByTestId('frontier-status').textContent()).toMatch(/10 \/ 10/);
    expect(await page.getByTestId('frontier-point').count()).toBe(10);
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBe(2);
    expect(problems).toEqual([]);
  }, 600_000);
});

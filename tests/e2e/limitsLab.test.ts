/**
 * The Limits lab end to end in Chromium, in web mode: opens the Limits tab, runs the mixed-modes
 * experiment at quick settings through `ars serve`, and sees its chart and caption. Leaves
 * test-results/limitsLab.png.
 */
import { describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, legendCounts, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the Limits lab browser test');

describe.skipIf(!HAVE_CHROMIUM)('Limits lab in Chromium (web mode)', () => {
  const studio = useStudio({ timeout: 180_000 });

  it('runs an experiment from the Limits tab and charts it', { timeout: 180_000 }, async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1300 });
    await openApp(page, studio.url);

    await page.getByTestId('tab-limits').click();
    for (const e of ['context', 'accumulation', 'modes']) {
      await expect.poll(() => page.getByTestId(`limits-status-${e}`).textContent()).toBe('Not run yet.');
    }
    await page.getByTestId('limits-quick').check();
    await page.getByTestId('limits-seed').fill('4');
    await page.getByTestId('limits-run-modes').click();
    // While it runs, the other experiments wait their turn.
    await expect.poll(() => page.getByTestId('limits-run-context').isDisabled()).toBe(true);

    await expect.poll(() => page.getByTestId('limits-modes-bar').count(), { timeout: 120_000 }).toBe(5);
    const strategies = await page.getByTestId('limits-modes-bar').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-strategy')));
    expect(strategies).toEqual(['ar', 'nar-1', 'mask-predict-4', 'mask-predict-10', 'nar-distilled']);
    await expect.poll(() => page.getByTestId('limits-caption-modes').textContent()).toMatch(/NAR model mixes the two right answers in \d+%/);
    // Its three models are kept as runs, named in the lab.
    expect(await page.getByTestId('limits-runs-modes').textContent()).toMatch(/Limits · modes · AR Transformer, Limits · modes · NAR Transformer, Limits · modes · distilled NAR Transformer/);
    await expect.poll(() => page.getByTestId('limits-run-context').isDisabled()).toBe(false);

    // A line chart too: the context experiment draws one line a model.
    await page.getByTestId('limits-run-context').click();
    await expect.poll(() => page.getByTestId('limits-chart-context-series').count(), { timeout: 120_000 }).toBe(2);
    await expect.poll(async () => (await legendCounts(page, 'limits-chart-context-series')).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    await expect.poll(() => page.getByTestId('limits-caption-context').textContent()).toMatch(/Transformer copies/);

    expect(problems).toEqual([]);
    for (const path of screenshotPaths('limitsLab.png')) await page.screenshot({ path, fullPage: true });
  });
});

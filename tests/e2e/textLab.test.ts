/**
 * The Text lab end to end in Chromium, in web mode: `ars serve` as a child process, the built
 * renderer, the real worker. Train a small model, watch the loss curve grow, stop, sample.
 * Leaves docs/screenshot.png (for the README) and test-results/textLab.png.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  chartSeries,
  HAVE_CHROMIUM,
  openApp,
  openPage,
  screenshotPaths,
  useStudio,
  warnIfNoChromium,
} from './harness.ts';

warnIfNoChromium('the Text lab browser test');

/** The training curve's points as the loss chart draws them. */
const trainCurve = (page: Page) => chartSeries(page, 'loss-chart', 'train');

describe.skipIf(!HAVE_CHROMIUM)('Text lab in Chromium (web mode)', () => {
  const studio = useStudio({ timeout: 180_000 });

  it('trains, draws the loss, stops, and samples', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1180 });
    await openApp(page, studio.url);

    // A small model, ~60 steps.
    await page.getByTestId('tab-lab').click();
    await page.getByTestId('corpus-select').selectOption('sonnets');
    await page.getByTestId('model-family').selectOption('rnn');
    await page.getByTestId('model-cell').selectOption('lstm');
    await page.getByTestId('model-layers').fill('1');
    await page.getByTestId('model-embedding').fill('32');
    await page.getByTestId('model-hidden').fill('32');
    await page.getByTestId('train-steps').fill('60');
    await page.getByTestId('train-batch').fill('16');
    await page.getByTestId('train-seq').fill('48');
    await page.getByText('More', { exact: true }).click();
    await page.getByTestId('train-eval-every').fill('10');
    await page.getByTestId('train-checkpoint-every').fill('10');
    await page.getByTestId('train-button').click();

    // The curve is drawn, then grows.
    await expect.poll(() => trainCurve(page).then((c) => c.length), { timeout: 120_000 }).toBeGreaterThan(0);
    const first = await trainCurve(page);
    await expect.poll(() => trainCurve(page).then((c) => c.length), { timeout: 120_000 }).toBeGreaterThan(first.length);
    // A checkpoint exists to sample from (and the curve has some length); then stop, unless it
    // has already finished.
    await expect
      .poll(
        async () => {
          const checkpoint = Number(/step (\d+)/.exec((await page.getByTestId('train-checkpoint').textContent()) ?? '')?.[1] ?? 0);
          return checkpoint >= 40 || !(await page.getByTestId('stop-button').isEnabled());
        },
        { timeout: 120_000 },
      )
      .toBe(true);
    const stopButton = page.getByTestId('stop-button');
    if (await stopButton.isEnabled()) await stopButton.click();
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 60_000 }).toMatch(/^(Stopped|Completed)/);
    const drawn = await trainCurve(page);
    expect(drawn.length).toBeGreaterThan(1);
    expect(drawn.every((p, i) => i === 0 || p.x > drawn[i - 1]!.x)).toBe(true);
    // After each validation the model wrote a sample, shown under the curve.
    expect(await page.getByTestId('train-preview').locator('figcaption').textContent()).toMatch(/^Sample at step (10|20|30|40|50|60) /);
    expect([...((await page.getByTestId('train-preview').locator('pre').textContent()) ?? '')]).toHaveLength(120);

    // Sample from the run just trained: the text streams in.
    await page.getByTestId('sample-prompt').fill('Shall I ');
    await page.getByTestId('sample-length').fill('160');
    await page.getByTestId('sample-button').click();
    await expect
      .poll(() => page.getByTestId('sample-output').textContent().then((t) => (t ?? '').length), { timeout: 60_000 })
      .toBeGreaterThan('Shall I '.length + 40);
    await expect.poll(() => page.getByTestId('sample-button').isEnabled(), { timeout: 60_000 }).toBe(true);
    // The finished text saves as a .txt file: the prompt and what the model wrote, as shown.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sample-save').click()]);
    expect(saved.suggestedFilename()).toMatch(/^LSTM-1-32-on-sonnets-seed-1\.txt$/);
    const savedPath = await saved.path();
    expect(readFileSync(savedPath, 'utf8')).toBe(await page.getByTestId('sample-output').textContent());

    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);

    await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
    for (const path of screenshotPaths('textLab.png', 'screenshot.png')) await page.screenshot({ path });

    // The run keeps a preview per validation; the Runs view replays them.
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('run-row').first().click();
    const label = page.getByTestId('run-preview-step');
    await expect.poll(() => label.textContent(), { timeout: 30_000 }).toMatch(/^step (40|50|60) · (\d) of \2$/);
    const count = Number(/of (\d+)/.exec((await label.textContent())!)![1]);
    expect(count).toBeGreaterThanOrEqual(4);
    await page.getByTestId('run-preview-slider').fill('0');
    expect(await label.textContent()).toBe(`step 10 · 1 of ${count}`);
    expect([...((await page.getByTestId('run-preview-text').textContent()) ?? '')]).toHaveLength(120);
    await page.close();
  }, 400_000);
});

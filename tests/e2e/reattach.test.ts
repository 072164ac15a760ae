/**
 * Trainings belong to the worker, not to the page, in Chromium (web mode: `ars serve` as a child
 * process, the built renderer, the real worker). A page reloaded mid-run follows its training
 * again: the curve is refilled from the run's stored metrics (no step drawn twice) and goes on;
 * with every page closed the training still finishes. With one training at a time (settings.json
 * in the data folder), a second training waits in the queue, says so, and is cancelled there.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chartSeries, HAVE_CHROMIUM, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the re-attach browser test');

/** The training curve's points as the loss chart draws them (steps and losses), in order. */
function curve(page: Page, testid = 'loss-chart'): Promise<{ x: number; y: number }[]> {
  return chartSeries(page, testid, 'train');
}

/** The step the Text lab monitor shows ("123 / 400" → 123). */
async function shownStep(page: Page, prefix = ''): Promise<number> {
  return Number(((await page.getByTestId(`${prefix}train-step`).textContent()) ?? '').split('/')[0]!.replace(/[^\d]/g, '') || 0);
}

/** Every run's run.json under the data folder. */
function storedRuns(home: string): { id: string; state: string; step: number; totalSteps: number }[] {
  return readdirSync(home, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('run.json'))
    .map((f) => JSON.parse(readFileSync(join(home, f), 'utf8')) as { id: string; state: string; step: number; totalSteps: number });
}

/** Starts a small LSTM on the sonnets in the Text lab: `steps` steps of 16 × 48 characters. */
async function startTextTraining(page: Page, steps: number): Promise<void> {
  await page.getByTestId('tab-lab').click();
  await page.getByTestId('corpus-select').selectOption('sonnets');
  await page.getByTestId('model-family').selectOption('rnn');
  await page.getByTestId('model-cell').selectOption('lstm');
  await page.getByTestId('model-layers').fill('1');
  await page.getByTestId('model-embedding').fill('16');
  await page.getByTestId('model-hidden').fill('32');
  await page.getByTestId('train-steps').fill(String(steps));
  await page.getByTestId('train-batch').fill('16');
  await page.getByTestId('train-seq').fill('48');
  await page.getByText('More', { exact: true }).click();
  await page.getByTestId('train-eval-every').fill('50');
  await page.getByTestId('train-checkpoint-every').fill('100');
  await page.getByTestId('train-button').click();
}

/** Starts a tiny PixelCNN in the Image lab: 20 steps of 8 MNIST digits. */
async function startTinyPixelCnn(page: Page): Promise<void> {
  await page.getByTestId('image-channels').fill('8');
  await page.getByTestId('image-blocks').fill('1');
  await page.getByTestId('image-steps').fill('20');
  await page.getByTestId('image-batch').fill('8');
  await page.getByTestId('image-train-button').click();
}

function strictlyIncreasing(xs: number[]): boolean {
  return xs.every((x, i) => i === 0 || x > xs[i - 1]!);
}

describe.skipIf(!HAVE_CHROMIUM)('Trainings outlive their page, in Chromium (web mode)', () => {
  const studio = useStudio({
    timeout: 180_000,
    // One training at a time, so a second one queues.
    prepare: (home) => Promise.resolve(writeFileSync(join(home, 'settings.json'), `${JSON.stringify({ maxConcurrentTrainings: 1 })}\n`)),
  });

  it('a reloaded page follows its training again; with no page open it still finishes', async () => {
    const steps = 1500;
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(page, studio.url);
    await startTextTraining(page, steps);

    // Mid-run: some steps drawn, far from the end.
    await expect.poll(() => shownStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
    const before = await curve(page);
    const stepBefore = await shownStep(page);
    expect(before.length).toBeGreaterThan(1);
    expect(stepBefore).toBeLessThan(steps / 2);
    expect(problems).toEqual([]);

    await page.reload();
    await expect.poll(() => page.getByTestId('status-connection').textContent(), { timeout: 60_000 }).toContain('Connected');
    await page.getByTestId('tab-lab').click();
    // Still training, the curve refilled from its start (the stored metrics) and going on.
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 60_000 }).toBe('Training…');
    await expect.poll(() => page.getByTestId('stop-button').isEnabled()).toBe(true);
    await expect.poll(() => curve(page).then((c) => c.length), { timeout: 60_000 }).toBeGreaterThan(before.length);
    const after = await curve(page);
    expect(after[0]!.x).toBe(before[0]!.x);
    expect(strictlyIncreasing(after.map((p) => p.x))).toBe(true); // no step drawn twice
    await expect.poll(() => shownStep(page), { timeout: 60_000 }).toBeGreaterThan(stepBefore);
    const x = after.at(-1)!.x;
    await expect.poll(() => curve(page).then((c) => c.at(-1)!.x), { timeout: 60_000 }).toBeGreaterThan(x);
    const later = await curve(page);
    expect(strictlyIncreasing(later.map((p) => p.x))).toBe(true);
    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);
    const stepAtClose = await shownStep(page);

    // Every page closed: the worker trains on to the end.
    await page.close();
    expect(storedRuns(studio.runsDir).map((r) => r.state)).toEqual(['training']);
    await expect.poll(() => storedRuns(studio.runsDir)[0]!.state, { timeout: 300_000, interval: 1000 }).toBe('completed');

    const fresh = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(fresh.page, studio.url);
    await fresh.page.getByTestId('tab-runs').click();
    const row = fresh.page.getByTestId('run-row');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    expect(await row.locator('.state').textContent()).toBe('completed');
    expect(await row.locator('td.r').first().textContent()).toBe(`${steps.toLocaleString('en-US')} / ${steps.toLocaleString('en-US')}`);
    expect(stepAtClose).toBeLessThan(steps);
    // Nothing is running, so the Text lab follows nothing.
    await fresh.page.getByTestId('tab-lab').click();
    expect(await fresh.page.getByTestId('train-status').textContent()).toBe('Not training.');
    expect(fresh.problems).toEqual([]);
    await fresh.page.close();
  }, 600_000);

  it('a second training waits in the queue, says where, is cancelled there (also after a reload), and starts when the slot frees', async () => {
    const a = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(a.page, studio.url);
    await startTextTraining(a.page, 5000);
    await expect.poll(() => a.page.getByTestId('train-status').textContent(), { timeout: 120_000 }).toBe('Training…');

    // Another page: it follows the running training, and starts a PixelCNN, which must wait.
    const b = await openPage(studio.browser, { width: 1280, height: 1000 });
    await openApp(b.page, studio.url);
    await b.page.getByTestId('tab-lab').click();
    await expect.poll(() => b.page.getByTestId('train-status').textContent(), { timeout: 60_000 }).toBe('Training…');
    await b.page.getByTestId('tab-images').click();
    await b.page.getByTestId('image-data').selectOption('mnist');
    await expect.poll(() => b.page.getByTestId('image-preview-count').textContent(), { timeout: 60_000 }).toMatch(/mnist: 10,000 images/);
    await startTinyPixelCnn(b.page);
    const status = b.page.getByTestId('image-train-status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe('Waiting: 1st in the training queue.');
    expect(await b.page.getByTestId('image-stop-button').textContent()).toBe('Cancel');
    expect(await b.page.getByTestId('image-stop-button').isEnabled()).toBe(true);
    expect(await b.page.getByTestId('image-pause-button').isEnabled()).toBe(false);

    // Reloaded, the page finds its queued training again, still waiting.
    await b.page.reload();
    await expect.poll(() => b.page.getByTestId('status-connection').textContent(), { timeout: 60_000 }).toContain('Connected');
    await b.page.getByTestId('tab-images').click();
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe('Waiting: 1st in the training queue.');
    expect(await shownStep(b.page, 'image-')).toBe(0);
    for (const path of screenshotPaths('trainingQueued.png')) await b.page.getByTestId('image-stop-button').locator('xpath=ancestor::section[1]').screenshot({ path });

    // Cancelled in the queue: it ends at once, and the first training goes on.
    await b.page.getByTestId('image-stop-button').click();
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('Cancelled while waiting in the training queue.');
    expect(await b.page.getByTestId('image-stop-button').textContent()).toBe('Stop');
    const step = await shownStep(a.page);
    await expect.poll(() => shownStep(a.page), { timeout: 60_000 }).toBeGreaterThan(step);
    expect(await a.page.getByTestId('train-status').textContent()).toBe('Training…');

    // Queued again, it starts once the first training is stopped (from the page that started it).
    await startTinyPixelCnn(b.page);
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe('Waiting: 1st in the training queue.');
    await a.page.getByTestId('stop-button').click();
    await expect.poll(() => a.page.getByTestId('train-status').textContent(), { timeout: 60_000 }).toMatch(/^Stopped at step \d+\.$/);
    await expect.poll(() => status.textContent(), { timeout: 120_000 }).toBe('Completed 20 steps.');
    expect(await shownStep(b.page, 'image-')).toBe(20);
    expect(await b.page.getByTestId('image-stop-button').textContent()).toBe('Stop');
    for (const p of [a, b]) {
      expect(await p.page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
      expect(p.problems).toEqual([]);
    }
    await a.page.close();
    await b.page.close();
  }, 400_000);
});

/**
 * The loss chart as an instrument, in Chromium (web mode: `ars serve`, the built renderer, the
 * real worker): while a small LSTM trains, the legend says validation has no points yet; hovering
 * reads out each series at the cursor; the smoothing slider redraws the smoothed curve (raw drawn
 * faint behind it); log y switches the scale; a drag zooms in and Reset zooms back out. No console
 * error (so no Content-Security-Policy violation) on the way.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chartSeries, HAVE_CHROMIUM, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the loss chart browser test');

type ChartState = { cursorIdx: number | null; distr: number | undefined; xMin: number; xMax: number; lastPos: number; plotWidth: number };

/** What the chart's uPlot instance holds: the cursor row, the y scale's kind, the x range, where the last point is drawn. */
function chartState(page: Page, lastStep = 0): Promise<ChartState> {
  return page.getByTestId('loss-chart').evaluate((el, last) => {
    const u = (el as HTMLElement & { uplot?: any }).uplot;
    return {
      cursorIdx: u.cursor.idx ?? null,
      distr: u.scales.y.distr,
      xMin: u.scales.x.min,
      xMax: u.scales.x.max,
      lastPos: u.valToPos(last, 'x'),
      plotWidth: u.bbox.width / devicePixelRatio,
    };
  }, lastStep);
}

/** Enough steps that the chart has its 30 points before training ends, however fast the machine (progress comes a few times a second). */
const STEPS = 2000;

describe.skipIf(!HAVE_CHROMIUM)('Loss chart in Chromium (web mode)', () => {
  const studio = useStudio({ timeout: 180_000 });

  it('reads out, smooths, switches to log y and zooms', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1100 });
    await openApp(page, studio.url);
    await page.getByTestId('tab-lab').click();
    await page.getByTestId('corpus-select').selectOption('sonnets');
    await page.getByTestId('model-family').selectOption('rnn');
    await page.getByTestId('model-cell').selectOption('lstm');
    await page.getByTestId('model-layers').fill('1');
    await page.getByTestId('model-embedding').fill('16');
    await page.getByTestId('model-hidden').fill('32');
    await page.getByTestId('train-steps').fill(String(STEPS));
    await page.getByTestId('train-batch').fill('16');
    await page.getByTestId('train-seq').fill('48');
    await page.getByText('More', { exact: true }).click();
    await page.getByTestId('train-eval-every').fill('300');
    await page.getByTestId('train-checkpoint-every').fill('300');
    await page.getByTestId('train-button').click();

    // Some training steps, no validation yet: the legend says so rather than listing an empty series.
    await expect.poll(() => chartSeries(page, 'loss-chart', 'train').then((c) => c.length), { timeout: 120_000 }).toBeGreaterThanOrEqual(12);
    if (Number(await page.getByTestId('loss-chart-val').getAttribute('data-count')) === 0) {
      expect(await page.getByTestId('loss-chart-val').textContent()).toContain('no points yet');
    }
    await expect.poll(() => chartSeries(page, 'loss-chart', 'train').then((c) => c.length), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
    // Stop it, unless every step is done first (the Stop button is then disabled).
    await page
      .getByTestId('stop-button')
      .click({ timeout: 5_000 })
      .catch(async (err: unknown) => {
        if (!/^Completed/.test((await page.getByTestId('train-status').textContent()) ?? '')) throw err;
      });
    await expect.poll(() => page.getByTestId('train-status').textContent(), { timeout: 60_000 }).toMatch(/^(Stopped|Completed)/);
    // The baseline stays: dashed, in the legend with its value.
    expect(await page.getByTestId('loss-chart-baseline').textContent()).toMatch(/unigram baseline.*\d\.\d\d nats\/char/);

    const raw = await chartSeries(page, 'loss-chart', 'train (raw)');
    const smoothed = await chartSeries(page, 'loss-chart', 'train');
    expect(raw.length).toBe(smoothed.length);
    expect(raw.length).toBeGreaterThanOrEqual(30);
    // The x axis runs to the total steps; the last point is inside the plot, clear of the axis label.
    const before = await chartState(page, raw.at(-1)!.x);
    expect(before.xMin).toBe(0);
    expect(before.xMax).toBe(STEPS);
    expect(before.lastPos).toBeGreaterThan(0);
    expect(before.lastPos).toBeLessThan(before.plotWidth);

    // Hover: a readout of the step and each series' value at the cursor.
    const over = page.getByTestId('loss-chart').locator('.u-over');
    const box = (await over.boundingBox())!;
    const lastX = raw.at(-1)!.x;
    // Over a step about half-way through what is drawn.
    await page.mouse.move(box.x + (box.width * lastX) / STEPS / 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('loss-chart-readout').textContent()).toMatch(/step \d+/);
    const state = await chartState(page);
    expect(state.cursorIdx).not.toBeNull();
    const step = Number(/step (\d+)/.exec((await page.getByTestId('loss-chart-readout').textContent())!)![1]);
    const at = smoothed.find((p) => p.x === step)!;
    const rawAt = raw.find((p) => p.x === step)!;
    expect(at).toBeTruthy();
    const trainEntry = page.getByTestId('loss-chart-train');
    expect(Number(await trainEntry.getAttribute('data-value'))).toBeCloseTo(at.y, 9);
    expect(await trainEntry.textContent()).toContain(`raw ${String(Number(rawAt.y.toPrecision(4)))}`);

    // Smoothing: heavier smoothing redraws the smoothed curve (calmer than before); the raw one stays.
    const spread = (c: { y: number }[]) => {
      const d = c.slice(5).map((p, i) => Math.abs(p.y - c[i + 4]!.y));
      return d.reduce((a, b) => a + b, 0) / d.length;
    };
    await page.getByTestId('loss-chart-smoothing').fill('0.95');
    await expect.poll(async () => (await chartSeries(page, 'loss-chart', 'train')).map((p) => p.y)).not.toEqual(smoothed.map((p) => p.y));
    const heavy = await chartSeries(page, 'loss-chart', 'train');
    expect(spread(heavy)).toBeLessThan(spread(smoothed));
    expect(await chartSeries(page, 'loss-chart', 'train (raw)')).toEqual(raw);
    // 0: the raw curve alone, at full strength.
    await page.getByTestId('loss-chart-smoothing').fill('0');
    await expect.poll(() => chartSeries(page, 'loss-chart', 'train (raw)').then((c) => c.length)).toBe(0);
    expect(await chartSeries(page, 'loss-chart', 'train')).toEqual(raw);

    // Log y: uPlot's y scale becomes logarithmic (distr 3), and back.
    expect((await chartState(page)).distr).toBe(1);
    await page.getByTestId('loss-chart-log').check();
    await expect.poll(() => chartState(page).then((s) => s.distr)).toBe(3);
    expect(await page.getByTestId('loss-chart').getAttribute('data-y-scale')).toBe('log');
    expect((await chartSeries(page, 'loss-chart', 'train')).length).toBe(raw.length);
    for (const path of screenshotPaths('lossChart.png')) await page.getByTestId('loss-chart').screenshot({ path });
    await page.getByTestId('loss-chart-log').uncheck();
    await expect.poll(() => chartState(page).then((s) => s.distr)).toBe(1);

    // Zoom: drag across a part of the plot; Reset shows it all again.
    expect(await page.getByTestId('loss-chart-reset').isDisabled()).toBe(true);
    const ob = (await over.boundingBox())!;
    await page.mouse.move(ob.x + ob.width * 0.02, ob.y + ob.height / 2);
    await page.mouse.down();
    await page.mouse.move(ob.x + ob.width * 0.04, ob.y + ob.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('loss-chart').getAttribute('data-zoomed')).toBe('true');
    const zoomed = await chartState(page);
    expect(zoomed.xMax - zoomed.xMin).toBeLessThan(40);
    expect(zoomed.xMin).toBeGreaterThan(0);
    await page.getByTestId('loss-chart-reset').click();
    await expect.poll(() => chartState(page).then((s) => [s.xMin, s.xMax])).toEqual([0, STEPS]);

    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 400_000);
});

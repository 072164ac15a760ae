/**
 * The Race end to end in Chromium, in web mode: a tiny AR Transformer and a tiny NAR
 * (mask-predict) Transformer are trained on the sonnets with the CLI, then `ars serve` shows them
 * to the real renderer. Checks the model form and the NAR sample canvas in the Text lab, runs a
 * race until all five lanes finish, reads the results table and the quality–speed frontier chart,
 * and measures latency against length.
 * Leaves docs/race.png (for the README) and test-results/race.png.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { csvCell } from '../../renderer/src/lib/csv.ts';
import { describe, expect, it } from 'vitest';
import { paletteImage } from './compactPng.ts';
import {
  ars,
  ROOT,
  HAVE_CHROMIUM,
  legendCounts,
  openApp,
  openPage,
  screenshotPaths,
  useStudio,
  warnIfNoChromium,
} from './harness.ts';

warnIfNoChromium('the Race browser test');

const LANES = ['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid'];
const TINY = ['--data', 'sonnets', '--steps', '150', '--d-model', '32', '--heads', '2', '--layers', '1', '--ffn', '64', '--seq', '32', '--batch', '16'];

/** Trains a run with the CLI; resolves with its id (the last line of --json output). */
async function trainRun(model: 'transformer' | 'nar', runsDir: string, name: string, extra: string[] = []): Promise<string> {
  // Flags in `extra` replace TINY's.
  const tiny = TINY.flatMap((v, i) => (i % 2 === 0 && !extra.includes(v) ? [v, TINY[i + 1]!] : []));
  const out = await ars(['train', '--model', model, ...tiny, ...extra, '--name', name, '--runs-dir', runsDir, '--json']);
  const last = JSON.parse(out.trim().split('\n').at(-1)!) as { runId: string; state: string };
  expect(last.state).toBe('completed');
  return last.runId;
}

const lanesFinished = (page: Page) => page.locator('[data-testid=race-lane][data-finished=true]').count();

describe.skipIf(!HAVE_CHROMIUM)('Race in Chromium (web mode)', () => {
  let arRunId = '';
  let narRunId = '';
  let drafterRunId = '';

  const studio = useStudio({
    prepare: async (runsDir) => {
      arRunId = await trainRun('transformer', runsDir, 'tiny AR');
      narRunId = await trainRun('nar', runsDir, 'tiny NAR');
      // A smaller causal Transformer distilled from the AR run: a drafter for the hybrid.
      drafterRunId = await trainRun('transformer', runsDir, 'tiny drafter', ['--d-model', '16', '--steps', '20', '--distill-from', arRunId, '--distill-chars', '2000']);
    },
    timeout: 240_000,
  });

  it('races all five lanes, tabulates them, and charts latency against length', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1100 });
    await openApp(page, studio.url);

    // The Text lab: each family shows its own fields, and a bad head count is explained.
    await page.getByTestId('tab-lab').click();
    await page.getByTestId('model-family').selectOption('transformer');
    await expect.poll(() => page.getByTestId('model-d-model').isVisible()).toBe(true);
    expect(await page.getByTestId('model-cell').count()).toBe(0);
    await page.getByTestId('model-d-model').fill('30');
    await page.getByTestId('model-heads').fill('4');
    await expect.poll(() => page.getByTestId('model-problems').textContent()).toContain('d_model (30) must be a multiple of heads (4)');
    expect(await page.getByTestId('train-button').isEnabled()).toBe(false);
    await page.getByTestId('model-d-model').fill('32');
    await expect.poll(() => page.getByTestId('model-problems').count()).toBe(0);
    expect(await page.getByTestId('train-button').isEnabled()).toBe(true);
    // A causal model can be distilled from an AR run too (a drafter for the hybrid), as the NAR model can.
    const sources = await page.getByTestId('distill-from').locator('option').allTextContents();
    expect(sources).toEqual(['— the text itself —', expect.stringContaining('tiny drafter'), expect.stringContaining('tiny AR')]);
    await page.getByTestId('distill-from').selectOption(arRunId);
    await expect.poll(() => page.getByTestId('distill-note').textContent()).toContain('the drafter to pick for the Race’s hybrid');
    await page.getByTestId('model-family').selectOption('maskPredict');
    await expect.poll(() => page.getByTestId('distill-note').textContent()).toContain('a mask-predict model fills in more consistently');
    // A recurrent model can be distilled too, but cannot draft (the hybrid's drafters are Transformers).
    await page.getByTestId('model-family').selectOption('rnn');
    await expect.poll(() => page.getByTestId('distill-note').textContent()).not.toMatch(/drafter|mask-predict/);
    await page.getByTestId('distill-from').selectOption('');
    await page.getByTestId('model-family').selectOption('transformer');

    // Sampling the NAR run: an iterations field, and a canvas filled pass by pass.
    await expect.poll(() => page.getByTestId('sample-run').locator('option').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('sample-run').selectOption(narRunId);
    await page.getByTestId('sample-iterations').fill('3');
    await page.getByTestId('sample-length').fill('24');
    await page.getByTestId('sample-button').click();
    await expect.poll(() => page.getByTestId('sample-pass').textContent(), { timeout: 60_000 }).toMatch(/Pass\s+\d+/);
    await expect.poll(() => page.getByTestId('sample-button').isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('sample-pass').textContent()).toMatch(/T = 3/);
    expect((await page.getByTestId('sample-output').textContent())!).not.toContain('▢');
    await page.screenshot({ path: screenshotPaths('textLab-nar.png')[0]! });

    // The Runs list describes both Transformer families.
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-list').textContent()).toContain('NAR Transformer 1×32, 2 heads, ctx 32');
    expect(await page.getByTestId('runs-list').textContent()).toContain('Transformer 1×32, 2 heads, ctx 32');
    // Ticking both overlays their losses, and says the NAR loss is another measure.
    for (const id of [arRunId, narRunId]) await page.locator(`[data-run-id="${id}"] [data-testid="run-compare"]`).check();
    await expect.poll(() => page.getByTestId('compare-legend').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await legendCounts(page, 'compare-legend')).every((n) => n > 1)).toBe(true);
    expect(await page.getByTestId('compare-legend').allTextContents()).toEqual([expect.stringContaining('tiny AR'), expect.stringContaining('tiny NAR')]);
    expect(await page.getByTestId('compare-caveat').textContent()).toContain('mask-predict (NAR)');
    await page.getByTestId('compare-metric').selectOption('train');
    await page.getByTestId('compare-axis').selectOption('step');
    expect(await page.getByTestId('compare-legend').count()).toBe(2);
    await page.getByTestId('compare-axis').selectOption('time');
    const xAxisLabel = () => page.getByTestId('compare-chart').evaluate((el) => (el as HTMLElement & { uplot?: { axes: { label?: string }[] } }).uplot?.axes[0]?.label);
    await expect.poll(xAxisLabel).toBe('training time (s)');
    await expect.poll(async () => (await legendCounts(page, 'compare-legend')).every((n) => n > 1)).toBe(true);
    await page.screenshot({ path: screenshotPaths('runs-compare.png')[0]!, fullPage: true });

    // The Race tab offers the Transformer for AR and the mask-predict run for NAR.
    await page.getByTestId('tab-race').click();
    await expect.poll(() => page.getByTestId('race-ar-run').locator('option').count(), { timeout: 30_000 }).toBe(2);
    // The newest Transformer is the drafter distilled from the other: the race starts from the other.
    expect(await page.getByTestId('race-ar-run').inputValue()).toBe(arRunId);
    expect(await page.getByTestId('race-nar-run').inputValue()).toBe(narRunId);
    expect(await page.getByTestId('race-nar-hint').textContent()).toContain('sonnets');
    // The hybrid's drafter: the NAR run by default, or an AR Transformer on the same text — the
    // one distilled from the chosen AR run first, and said so.
    const drafters = await page.getByTestId('race-drafter-run').locator('option').allTextContents();
    expect(drafters).toHaveLength(3);
    expect(drafters[0]).toContain('The NAR run');
    expect(drafters[1]).toMatch(/tiny drafter.* · distilled from this AR model$/);
    expect(drafters[2]).toContain('tiny AR');
    expect(drafters[2]).not.toContain('distilled');
    // A small AR drafter brings its own default draft length (1), the NAR run its own (4).
    expect(await page.getByTestId('race-draft').inputValue()).toBe('4');
    await page.getByTestId('race-drafter-run').selectOption({ index: 1 });
    expect(await page.getByTestId('race-drafter-run').inputValue()).toBe(drafterRunId);
    await expect.poll(() => page.getByTestId('race-draft').inputValue()).toBe('1');
    await page.getByTestId('race-drafter-run').selectOption({ index: 0 });
    await expect.poll(() => page.getByTestId('race-draft').inputValue()).toBe('4');

    await page.getByTestId('race-prompt').fill('Shall I ');
    await page.getByTestId('race-length').fill('32');
    await page.getByTestId('race-seed').fill('7');
    await page.getByTestId('race-temperature').fill('0.8');
    await page.getByTestId('race-iterations').fill('4');
    await page.getByTestId('race-draft').fill('4');
    for (const lane of LANES) expect(await page.getByTestId(`race-lane-toggle-${lane}`).isChecked()).toBe(true);
    await page.getByTestId('race-start').click();

    // Five lanes, live, each finishing with a place.
    await expect.poll(() => page.getByTestId('race-lane').count(), { timeout: 30_000 }).toBe(5);
    await expect.poll(() => lanesFinished(page), { timeout: 120_000 }).toBe(5);
    await expect.poll(() => page.getByTestId('race-status').textContent(), { timeout: 60_000 }).toBe('Every lane finished.');
    // The results save as CSV: a header, then the five lanes with their figures and texts.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('race-results-save').click()]);
    expect(csv.suggestedFilename()).toMatch(/^race-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.csv$/);
    const csvText = readFileSync(await csv.path(), 'utf8');
    expect(csvText.startsWith('finish,lane,steps,wall_ms,tokens_per_s,tokens,nll_per_token,perplexity,repetition,distinct_1,distinct_2,cancelled,prompt,text\n1,')).toBe(true);
    for (const label of ['AR, naive', 'AR + KV cache', 'NAR, one shot (T=1)', 'NAR, mask-predict (T=4)', 'Hybrid (draft 4)']) expect(csvText).toContain(`,${csvCell(label)},`);
    const places = await page.getByTestId('lane-finish').allTextContents();
    expect(places.map((p) => p.trim()).sort()).toEqual(['1st', '2nd', '3rd', '4th', '5th']);
    for (const lane of LANES) {
      const card = page.locator(`[data-testid=race-lane][data-lane=${lane}]`);
      const text = (await card.getByTestId('lane-text').textContent())!;
      expect(text.startsWith('Shall I ')).toBe(true);
      expect(text).not.toContain('▢');
      expect(Number((await card.getByTestId('lane-steps').textContent())!.replace(/,/g, ''))).toBeGreaterThan(0);
      expect(await card.getByTestId('lane-ms').textContent()).toMatch(/^[\d.,]+ ms$/);
    }
    const narSteps = Number(await page.locator('[data-testid=race-lane][data-lane=nar-1]').getByTestId('lane-steps').textContent());
    const arSteps = Number(await page.locator('[data-testid=race-lane][data-lane=ar-cache]').getByTestId('lane-steps').textContent());
    expect(arSteps).toBe(32);
    expect(narSteps).toBeLessThan(arSteps);
    expect(await page.locator('[data-testid=race-lane][data-lane=hybrid]').getByTestId('lane-accepted').textContent()).toMatch(/^\d+\/\d+$/);

    // The results table: one row a lane, and the texts.
    await expect.poll(() => page.getByTestId('race-result-row').count()).toBe(5);
    const rowLanes = await page.getByTestId('race-result-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lane')));
    expect([...rowLanes].sort()).toEqual([...LANES].sort());
    const cells = await page.getByTestId('race-result-row').first().locator('td').allTextContents();
    expect(cells).toHaveLength(10);
    expect(cells[4]).toMatch(/^\d+\.\d{3}$/); // NLL per token
    expect(await page.getByTestId('race-text').count()).toBe(5);
    expect(await page.getByTestId('race-hybrid-passes').textContent()).toMatch(/\d+ AR passes \+ \d+ drafter passes =\s+\d+ steps; \d+\.\d\d characters gained per AR pass/);

    // Beside the results, the quality–speed frontier: ten strategies, each a labelled point.
    await expect.poll(() => page.getByTestId('frontier-chart').count()).toBe(1);
    expect(await page.getByTestId('frontier-status').textContent()).toMatch(/10 \/ 10/);
    expect(await page.getByTestId('frontier-point').count()).toBe(10);
    const labels = (await page.getByTestId('frontier-point').allTextContents()).join('\n');
    for (const label of ['AR naive', 'AR + cache', 'mask-predict T=1', 'mask-predict T=10', 'hybrid k=1', 'hybrid k=2', 'hybrid k=8']) expect(labels).toContain(label);

    // Latency against length, up to 64: points appear as they are measured.
    await page.getByTestId('scaling-max').selectOption('64');
    expect(await page.getByTestId('scaling-warning').count()).toBe(0);
    await page.getByTestId('scaling-measure').click();
    await expect.poll(() => page.getByTestId('scaling-chart').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('scaling-status').textContent(), { timeout: 180_000 }).toMatch(/15 \/ 15 measured · Measured\./);
    // Five lines of three points each (lengths 16, 32, 64), on log–log axes.
    await expect.poll(() => legendCounts(page, 'scaling-series')).toEqual([3, 3, 3, 3, 3]);
    expect(await page.getByTestId('scaling-chart').evaluate((el) => {
      const u = (el as HTMLElement & { uplot?: { scales: Record<string, { distr?: number }> } }).uplot;
      return [u?.scales.x?.distr, u?.scales.y?.distr];
    })).toEqual([3, 3]);
    expect(await page.getByTestId('scaling-chart-legend').textContent()).toContain('AR + KV cache');
    const [latency] = await Promise.all([page.waitForEvent('download'), page.getByTestId('scaling-save').click()]);
    const latencyRows = readFileSync(await latency.path(), 'utf8').trim().split('\n');
    expect(latencyRows[0]).toBe('lane,length,ms,steps');
    expect(latencyRows).toHaveLength(16); // five lanes at lengths 16, 32, 64

    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);

    // The whole page in one picture: the viewport as tall as the content, once the bars have settled.
    await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
    const contentHeight = await page.evaluate(() => document.querySelector('.page')!.scrollHeight + document.querySelector('header.top')!.clientHeight);
    await page.setViewportSize({ width: 1280, height: Math.ceil(contentHeight) + 40 });
    await page.waitForTimeout(400);
    const shot = await page.screenshot();
    const [results, docs] = screenshotPaths('race.png', 'race.png');
    writeFileSync(results!, shot);
    const compact = paletteImage(shot);
    writeFileSync(docs!, compact);
    expect(compact.length).toBeLessThan(150 * 1024);
    expect(PNG.sync.read(readFileSync(join(ROOT, 'docs', 'race.png'))).width).toBe(1280);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPaths('race-dark.png')[0]! });
    await page.close();
  }, 500_000);
});

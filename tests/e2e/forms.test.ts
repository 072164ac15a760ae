/**
 * One error model, in Chromium against `ars serve`: a field that cannot be used says so beside
 * itself (no browser bubble, no notice); an empty, binary or image file opened as text is refused
 * at once with the reason and not listed; the Runs table is newest first and sorts by its headers,
 * with dates and short ids; the Sample panel preselects the newest run that can be sampled and
 * greys the others with why; at 760 px nothing is cut off.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM, ars, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the forms and runs browser test');

/** Three tiny runs, their dates set apart; the newest lost its checkpoint (interrupted before its first). */
const RUNS = [
  { name: 'zeta', day: 1, checkpoint: true },
  { name: 'alpha', day: 2, checkpoint: true },
  { name: 'mid', day: 3, checkpoint: false },
] as const;

const rowNames = (page: Page) => page.locator('[data-testid=run-row] button.link').allTextContents();

describe.skipIf(!HAVE_CHROMIUM)('forms, uploads, runs and sampling (Chromium, web mode)', () => {
  const ids: Record<string, string> = {};
  const studio = useStudio({
    prepare: async (runsDir) => {
      for (const r of RUNS) {
        const out = await ars(['train', '--model', 'gru', '--data', 'sonnets', '--steps', '4', '--hidden', '8', '--embedding', '4', '--batch', '2', '--seq', '8', '--name', r.name, '--runs-dir', runsDir, '--json']);
        const id = (JSON.parse(out.trim().split('\n').at(-1)!) as { runId: string }).runId;
        ids[r.name] = id;
        const file = join(runsDir, 'runs', id, 'run.json');
        const meta = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        meta.createdAt = `2026-01-0${r.day}T10:00:00.000Z`;
        if (!r.checkpoint) {
          Object.assign(meta, { checkpointStep: null, state: 'interrupted' });
          rmSync(join(runsDir, 'runs', id, 'checkpoints'), { recursive: true, force: true });
        }
        writeFileSync(file, JSON.stringify(meta, null, 2));
      }
    },
    timeout: 180_000,
  });

  it('shows each field’s problem beside it, refuses bad uploads when chosen, sorts runs, preselects a sampleable run', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 800 });
    await openApp(page, studio.url);
    const alerts = page.locator('[data-testid=notice][role=alert]');

    // ---- The Runs table: newest first, dates and short ids; a header click sorts.
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => rowNames(page), { timeout: 30_000 }).toEqual(['mid', 'alpha', 'zeta']);
    const firstId = page.getByTestId('run-id').first();
    expect(await firstId.textContent()).toBe(ids.mid!.slice(-6)); // the random tail: every id starts with the date
    expect(await firstId.getAttribute('title')).toContain(ids.mid!);
    expect(await page.getByTestId('run-created').first().textContent()).toMatch(/2026/);
    expect(await page.getByTestId('runs-sort-created').locator('..').getAttribute('aria-sort')).toBe('descending');
    await page.getByTestId('runs-sort-created').click();
    await expect.poll(() => rowNames(page)).toEqual(['zeta', 'alpha', 'mid']);
    await page.getByTestId('runs-sort-name').click();
    await expect.poll(() => rowNames(page)).toEqual(['alpha', 'mid', 'zeta']);
    await page.getByTestId('runs-sort-name').click();
    await expect.poll(() => rowNames(page)).toEqual(['zeta', 'mid', 'alpha']);

    // ---- The Sample panel: the newest run that can be sampled; the other greyed with why.
    await page.getByTestId('tab-lab').click();
    await expect.poll(() => page.getByTestId('sample-run').inputValue(), { timeout: 30_000 }).toBe(ids.alpha);
    const midOption = page.locator(`[data-testid=sample-run] option[value="${ids.mid}"]`);
    expect(await midOption.isDisabled()).toBe(true);
    expect(await midOption.textContent()).toContain('no checkpoint yet');
    expect(await page.getByTestId('sample-button').isEnabled()).toBe(true);

    // ---- Fields: Steps −5 and an empty Hidden say so beside themselves.
    await page.getByTestId('model-family').selectOption('rnn');
    await page.getByTestId('train-steps').fill('-5');
    await page.getByTestId('model-hidden').fill('');
    const stepsError = page.getByTestId('train-steps-error');
    await expect.poll(() => stepsError.textContent()).toBe('Steps: enter a whole number from 1 to 10,000,000');
    expect(await page.getByTestId('model-hidden-error').textContent()).toBe('Hidden: enter a whole number from 4 to 2,048');
    expect(await page.getByTestId('train-steps').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('train-steps').getAttribute('aria-describedby')).toBe(await stepsError.getAttribute('id'));
    // The error sits beside its field (just under it, in the same column).
    const field = (await page.getByTestId('train-steps').boundingBox())!;
    const message = (await stepsError.boundingBox())!;
    expect(message.y).toBeGreaterThanOrEqual(field.y + field.height - 1);
    expect(message.y).toBeLessThan(field.y + field.height + 40);
    expect(Math.abs(message.x - field.x)).toBeLessThan(8);
    // Train: nothing is sent, no browser bubble or notice; the first field in error takes the focus.
    expect(await page.locator('form.form').first().getAttribute('novalidate')).not.toBeNull();
    const trainButton = page.getByTestId('train-button');
    if (await trainButton.isEnabled()) await trainButton.click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toMatch(/train-steps|model-hidden/);
    expect(await alerts.count()).toBe(0);
    await page.getByTestId('train-steps').fill('60');
    await page.getByTestId('model-hidden').fill('32');
    await expect.poll(() => page.getByTestId('train-steps-error').count()).toBe(0);
    expect(await page.getByTestId('model-hidden-error').count()).toBe(0);

    // ---- Uploads: checked when chosen; refused ones are not listed.
    const corpusOptions = () => page.getByTestId('corpus-select').locator('option').allTextContents();
    const before = await corpusOptions();
    await page.getByTestId('corpus-file').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await expect.poll(() => page.getByTestId('corpus-problem').textContent(), { timeout: 30_000 }).toMatch(/“empty\.txt” cannot be used: .*empty/);
    expect(await corpusOptions()).toEqual(before);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    await page.getByTestId('corpus-file').setInputFiles({ name: 'digit.txt', mimeType: 'text/plain', buffer: png });
    await expect.poll(() => page.getByTestId('corpus-problem').textContent(), { timeout: 30_000 }).toMatch(/digit\.txt.*PNG image, not text/);
    expect(await corpusOptions()).toEqual(before);
    await page.getByTestId('corpus-file').setInputFiles({ name: 'poem.txt', mimeType: 'text/plain', buffer: Buffer.from('Shall I compare thee to a summer’s day?\n'.repeat(20)) });
    await expect.poll(() => page.getByTestId('corpus-select').locator('option:checked').textContent(), { timeout: 30_000 }).toMatch(/^poem\.txt/);
    expect(await page.getByTestId('corpus-problem').count()).toBe(0);
    expect(await alerts.allTextContents()).toEqual([]);
    await page.screenshot({ path: screenshotPaths('forms-1280.png')[0]! });

    // ---- 760 px wide: the Runs table scrolls within its card, nothing is cut off the page.
    await page.setViewportSize({ width: 760, height: 800 });
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => rowNames(page)).toHaveLength(3);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(760);
    const scroller = await page.getByTestId('runs-list').evaluate((t) => {
      const box = t.parentElement!.getBoundingClientRect();
      return { right: box.right, overflowX: getComputedStyle(t.parentElement!).overflowX };
    });
    expect(scroller.right).toBeLessThanOrEqual(760);
    expect(scroller.overflowX).toBe('auto');
    await page.screenshot({ path: screenshotPaths('runs-760.png')[0]! });
    expect(problems).toEqual([]);
  });

  it('keeps the backend menu’s text inside it and notices off the status bar, at 1280 and 760 px', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 800 });
    await openApp(page, studio.url);
    for (const width of [1280, 760]) {
      await page.setViewportSize({ width, height: 800 });
      await page.getByTestId('backend-menu-button').click();
      const menu = page.getByTestId('backend-menu');
      const box = (await menu.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      // No reason runs out of its line: each fits its own box, and each box fits the menu.
      const overflowing = await menu.evaluate((m) =>
        [...m.querySelectorAll('button')].filter((b) => b.scrollWidth > b.clientWidth + 1 || b.getBoundingClientRect().right > m.getBoundingClientRect().right + 1).map((b) => b.textContent),
      );
      expect(overflowing).toEqual([]);
      await page.screenshot({ path: screenshotPaths(`backend-menu-${width}.png`)[0]! });
      await page.getByTestId('backend-menu-button').click();
    }

    // A refused backend: a notice that needs nothing more of the person goes by itself; it
    // never covers the status bar.
    await page.getByTestId('backend-menu-button').click();
    await page.getByTestId('backend-option-tensorflow').click();
    const notice = page.getByTestId('notice').first();
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toMatch(/tensorflow backend cannot be used here/);
    expect(await notice.textContent()).not.toMatch(/[A-Z]+_[A-Z]+/); // no internal code
    const status = (await page.getByTestId('status-bar').boundingBox())!;
    const shown = (await notice.boundingBox())!;
    expect(shown.y + shown.height).toBeLessThanOrEqual(status.y);
    expect(shown.x + shown.width).toBeLessThanOrEqual(760);
    await page.screenshot({ path: screenshotPaths('notice-760.png')[0]! });
    expect(problems).toEqual([]);
  });
});

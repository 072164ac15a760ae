/**
 * The first start, in Chromium (web mode): a fresh runs folder gets the starter runs shipped in
 * assets/starter, so with no training at all a person can draw and complete a digit with the
 * starter PixelCNN and race the starter Transformer against the starter NAR. Then a starter
 * deleted behind the page's back comes back with "Restore starter runs".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ars, HAVE_CHROMIUM, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the starter runs browser test');

const SIDE = 28;
const KNOWN_ROWS = 14;
const AR = 'starter-transformer-sonnets';
const NAR = 'starter-nar-sonnets';
const PIXELCNN = 'starter-pixelcnn-mnist';

/** Drags the mouse over the drawing canvas from one cell's centre to another's. */
async function stroke(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.getByTestId('draw-canvas').boundingBox())!;
  const at = ([r, c]: [number, number]) => [box.x + ((c + 0.5) * box.width) / SIDE, box.y + ((r + 0.5) * box.height) / SIDE] as const;
  await page.mouse.move(...at(from));
  await page.mouse.down();
  await page.mouse.move(...at(to), { steps: 16 });
  await page.mouse.up();
}

describe.skipIf(!HAVE_CHROMIUM)('Starter runs in Chromium (web mode, a fresh runs folder)', () => {
  const studio = useStudio({ starters: true, timeout: 180_000 });

  it('lists the starters, completes a drawing and races the text pair without any training', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1100 });
    await openApp(page, studio.url);

    // The Runs tab: every starter, marked, completed, with a checkpoint.
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    for (const id of [AR, NAR, PIXELCNN]) {
      const row = page.locator(`[data-testid=run-row][data-run-id="${id}"]`);
      expect(await row.getByTestId('run-starter').textContent()).toBe('starter');
      expect(await row.textContent()).toContain('completed');
    }

    // The Image lab: draw the top half of a digit and complete it four ways with the starter PixelCNN.
    await page.getByTestId('tab-images').click();
    await expect.poll(() => page.getByTestId('complete-run').locator('option:not([disabled])').allTextContents(), { timeout: 30_000 }).toContainEqual(
      expect.stringContaining('Starter PixelCNN'),
    );
    await page.getByTestId('complete-run').selectOption(PIXELCNN);
    await page.getByTestId('draw-clear').click();
    await page.getByTestId('known-mode-rows').check();
    await page.getByTestId('known-rows').fill(String(KNOWN_ROWS));
    await page.getByTestId('draw-pen').click();
    await stroke(page, [4, 9], [4, 18]);
    await stroke(page, [4, 18], [13, 18]);
    await page.getByTestId('complete-samples').fill('4');
    await page.getByTestId('complete-seed').fill('5');
    await page.getByTestId('complete-method').selectOption('fast');
    await page.getByTestId('complete-button').click();
    await expect.poll(() => page.getByTestId('complete-status').textContent(), { timeout: 180_000 }).toMatch(/^Done\. 392 of 392 pixels drawn/);
    expect(await page.getByTestId('complete-grid').getByTestId('sample-canvas').count()).toBe(4);
    // The completions draw ink below the known rows (a trained model continues the strokes).
    const inkBelow = await page
      .getByTestId('complete-grid')
      .getByTestId('sample-canvas')
      .evaluateAll((cs, rows) =>
        cs.map((c) => {
          const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
          let ink = 0;
          for (let i = rows * 28; i < 784; i++) if (d[i * 4]! < 128) ink++;
          return ink;
        }),
      KNOWN_ROWS);
    expect(inkBelow.some((n) => n > 5)).toBe(true);
    await page.screenshot({ path: screenshotPaths('starter-complete.png')[0]! });

    // The Race: the starter pair is offered, and all five lanes finish.
    await page.getByTestId('tab-race').click();
    await expect.poll(() => page.getByTestId('race-ar-run').inputValue(), { timeout: 30_000 }).toBe(AR);
    expect(await page.getByTestId('race-nar-run').inputValue()).toBe(NAR);
    await page.getByTestId('race-prompt').fill('Shall I ');
    await page.getByTestId('race-length').fill('64');
    await page.getByTestId('race-start').click();
    await expect.poll(() => page.locator('[data-testid=race-lane][data-finished=true]').count(), { timeout: 180_000 }).toBe(5);
    await expect.poll(() => page.getByTestId('race-status').textContent(), { timeout: 60_000 }).toBe('Every lane finished.');
    const arText = (await page.locator('[data-testid=race-lane][data-lane=ar-cache]').getByTestId('lane-text').textContent())!;
    expect(arText.startsWith('Shall I ')).toBe(true);
    expect(arText.length).toBeGreaterThanOrEqual(64);
    await page.screenshot({ path: screenshotPaths('starter-race.png')[0]! });

    // A starter deleted (here by the CLI) comes back with the Runs view's button; the others stay as they are.
    await ars(['delete', '--run', NAR, '--yes', '--runs-dir', studio.runsDir]);
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('runs-refresh').click();
    await expect.poll(() => page.locator(`[data-testid=run-row][data-run-id="${NAR}"]`).count(), { timeout: 30_000 }).toBe(0);
    const before = await page.getByTestId('run-row').count();
    await page.getByTestId('runs-restore-starters').click();
    await expect.poll(() => page.locator(`[data-testid=run-row][data-run-id="${NAR}"]`).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('run-row').count()).toBe(before + 1);
    expect(problems).toEqual([]);
  });
});

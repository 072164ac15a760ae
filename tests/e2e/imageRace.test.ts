/**
 * The image race in Chromium, in web mode: a tiny PixelCNN trained with `ars` beforehand, a tiny
 * masked image model trained through the Image lab's form (Model and Binarize choices), a stroke
 * drawn with the mouse, then the race: three rows of K completions (PixelCNN, masked model at
 * T = 1 and at T), each with its passes, wall time and NLL, the drawn pixels intact in every one.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ars, HAVE_CHROMIUM, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the image race browser test');

const SIDE = 28;
/** The screen colour of known ink in the light theme (--text). */
const KNOWN_INK = [27, 31, 36];

async function stroke(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.getByTestId('draw-canvas').boundingBox())!;
  const at = ([r, c]: [number, number]) => [box.x + ((c + 0.5) * box.width) / SIDE, box.y + ((r + 0.5) * box.height) / SIDE] as const;
  const [x0, y0] = at(from);
  const [x1, y1] = at(to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 16 });
  await page.mouse.up();
}

describe.runIf(HAVE_CHROMIUM)('the image race in the browser', () => {
  const studio = useStudio({
    timeout: 240_000,
    prepare: async (runsDir) => {
      await ars(['train', '--model', 'pixelcnn', '--data', 'mnist', '--steps', '10', '--channels', '8', '--blocks', '1', '--batch', '8', '--name', 'tiny ar', '--runs-dir', runsDir]);
    },
  });

  it('trains a masked image model in the lab, races it against the PixelCNN on a stroke, and shows both rows with their figures', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1600 });
    await openApp(page, studio.url).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${problems.join('\n')}`);
    });
    await page.getByTestId('tab-images').click();
    await expect.poll(() => page.getByTestId('image-preview-count').textContent(), { timeout: 60_000 }).toMatch(/mnist: 10,000 images/);

    await page.getByTestId('image-model').selectOption('masked-image');
    expect(await page.getByTestId('image-blocks').count()).toBe(0);
    await page.getByTestId('image-binarize').selectOption('stochastic');
    await page.getByTestId('image-channels').fill('8');
    await page.getByTestId('image-steps').fill('10');
    await page.getByTestId('image-batch').fill('8');
    await page.getByText('More', { exact: true }).click();
    await page.getByTestId('image-eval-every').fill('5');
    await page.getByTestId('image-eval-batches').fill('1');
    await page.getByTestId('image-checkpoint-every').fill('5');
    await page.getByTestId('image-name').fill('tiny nar');
    await page.getByTestId('image-train-button').click();
    await expect.poll(() => page.getByTestId('image-train-status').textContent(), { timeout: 240_000 }).toBe('Completed 10 steps.');
    expect(await page.getByTestId('image-train-checkpoint').textContent()).toBe('step 10');

    await expect.poll(() => page.getByTestId('image-race-nar').locator('option:not([disabled])').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('image-race-nar').locator('option').first().textContent()).toContain('tiny nar · Masked image model 8 ch');
    expect(await page.getByTestId('image-race-ar').locator('option').first().textContent()).toContain('tiny ar · PixelCNN 8 ch');

    // A stroke in the top half; the top 14 rows are known.
    await page.getByTestId('known-mode-rows').check();
    await page.getByTestId('known-rows').fill('14');
    await page.getByTestId('draw-pen').click();
    await page.getByTestId('draw-brush').selectOption('1');
    await stroke(page, [4, 6], [4, 20]);

    await page.getByTestId('image-race-samples').fill('2');
    await page.getByTestId('image-race-iterations').fill('4');
    await page.getByTestId('image-race-button').click();
    const lanes = page.getByTestId('image-race-lane');
    await expect.poll(() => lanes.count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.locator('[data-testid=image-race-lane][data-finished=true]').count(), { timeout: 180_000 }).toBe(3);
    expect(await lanes.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-lane')))).toEqual(['pixelcnn', 'nar-t1', 'nar-tk']);
    const passes = await page.getByTestId('image-race-passes').allTextContents();
    expect(passes).toEqual([`${784 - 14 * SIDE} passes`, '1 pass', '4 passes']);
    for (const nll of await page.getByTestId('image-race-nll').allTextContents()) expect(nll).toMatch(/^NLL \d+\.\d nats$/);
    for (const wall of await page.getByTestId('image-race-wall').allTextContents()) expect(wall).toMatch(/^\d+ ms$/);

    // Every completion, in every row, keeps the stroke: known ink at (4, 6 … 20), untinted.
    const canvases = await page.getByTestId('image-race-canvas').evaluateAll((cs) => cs.map((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data)));
    expect(canvases).toHaveLength(3 * 2);
    for (const px of canvases) {
      for (let col = 6; col <= 20; col++) expect(px.slice((4 * SIDE + col) * 4, (4 * SIDE + col) * 4 + 3)).toEqual(KNOWN_INK);
    }
    await page.getByTestId('image-race-lanes').screenshot({ path: screenshotPaths('imageRace.png')[0]! });
    expect(problems).toEqual([]);
  }, 600_000);
});

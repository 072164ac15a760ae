/**
 * The Image lab end to end in Chromium, in web mode: `ars serve` as a child process, the built
 * renderer, the real worker. Trains a tiny PixelCNN on MNIST through the page, starts from a
 * dataset digit and cuts it down, then draws strokes with the mouse (with an undo), completes
 * them K = 4 ways and reads every canvas back: the known pixels must be exactly what was drawn.
 * Saves the grid and the GIF, samples unconditionally (stopping one run), and checks the run in
 * the Runs tab. Leaves docs/imageLab.png (for the README) and test-results/imageLab*.png.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Download, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { paletteImage } from './compactPng.ts';
import {
  chartSeries,
  HAVE_CHROMIUM,
  openApp,
  openPage,
  screenshotPaths,
  useStudio,
  warnIfNoChromium,
} from './harness.ts';

warnIfNoChromium('the Image lab browser test');

const SIDE = 28;
const KNOWN_ROWS = 14;
/** The screen colour of known ink in the light theme (--text): known pixels are drawn in it, untinted. */
const KNOWN_INK = [27, 31, 36];

type Cell = [row: number, col: number];

/** Which of the drawing canvas's cells hold ink (read at each cell's centre). */
function padInk(page: Page): Promise<boolean[]> {
  return page.getByTestId('draw-canvas').evaluate((c: HTMLCanvasElement, side: number) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const cell = c.width / side;
    const out: boolean[] = [];
    for (let r = 0; r < side; r++)
      for (let k = 0; k < side; k++) {
        const i = (Math.floor((r + 0.5) * cell) * c.width + Math.floor((k + 0.5) * cell)) * 4;
        out.push(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]! < 128);
      }
    return out;
  }, SIDE);
}

/** Every sample canvas's RGBA pixels (28×28 each). */
function samplePixels(page: Page, grid: string): Promise<number[][]> {
  return page
    .getByTestId(grid)
    .getByTestId('sample-canvas')
    .evaluateAll((cs) => cs.map((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data)));
}

/** Drags the mouse over the drawing canvas from one cell's centre to another's. */
async function stroke(page: Page, from: Cell, to: Cell): Promise<void> {
  const box = (await page.getByTestId('draw-canvas').boundingBox())!;
  const at = ([r, c]: Cell) => [box.x + ((c + 0.5) * box.width) / SIDE, box.y + ((r + 0.5) * box.height) / SIDE] as const;
  const [x0, y0] = at(from);
  const [x1, y1] = at(to);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 16 });
  await page.mouse.up();
}

const line = (from: Cell, to: Cell): Cell[] => {
  const out: Cell[] = [];
  const n = Math.max(Math.abs(to[0] - from[0]), Math.abs(to[1] - from[1]));
  for (let i = 0; i <= n; i++) out.push([from[0] + Math.round(((to[0] - from[0]) * i) / n), from[1] + Math.round(((to[1] - from[1]) * i) / n)]);
  return out;
};

async function download(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [d] = (await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId(testid).click()])) as [Download, void];
  return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
}

/** A 56×56 PNG, white with a black vertical bar 8 pixels wide from x = `left` (a light background: the importer inverts it). */
function barPng(left: number): Buffer {
  const png = new PNG({ width: 56, height: 56 });
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 56; x++) {
      const i = (y * 56 + x) * 4;
      const v = x >= left && x < left + 8 ? 0 : 255;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

const finishedCards = (page: Page, grid: string) => page.getByTestId(grid).locator('[data-testid=sample-card][data-finished=true]').count();

describe.skipIf(!HAVE_CHROMIUM)('Image lab in Chromium (web mode)', () => {
  const studio = useStudio({ timeout: 180_000 });

  it('trains a PixelCNN, completes mouse strokes four ways with the known pixels intact, and samples', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 1200 });
    await openApp(page, studio.url);
    await page.getByTestId('tab-images').click();

    // The MNIST preview.
    await expect.poll(() => page.getByTestId('image-preview-count').textContent(), { timeout: 60_000 }).toMatch(/mnist: 10,000 images/);
    expect(await page.getByTestId('image-preview').getByTestId('image-preview-item').count()).toBe(32);

    // Opened files: a broken PNG is named in an error notice; PNGs of another size are previewed as 28×28 digits.
    const alerts = page.locator('[data-testid=notice][role=alert]');
    await page.getByTestId('image-files').setInputFiles([{ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') }]);
    await expect.poll(() => alerts.count(), { timeout: 30_000 }).toBe(1);
    expect(await alerts.getAttribute('data-code')).toBe('DATASET_ERROR');
    expect(await alerts.textContent()).toContain('broken.png');
    await alerts.getByTestId('notice-dismiss').click();
    await page.getByTestId('image-files').setInputFiles([0, 1, 2].map((n) => ({ name: `bar-${n}.png`, mimeType: 'image/png', buffer: barPng(8 + 8 * n) })));
    await expect.poll(() => page.getByTestId('image-preview-count').textContent(), { timeout: 30_000 }).toMatch(/^3 files: 3 images$/);
    const firstBar = await page.getByTestId('image-preview-item').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      return [...Array(28).keys()].map((col) => d[(14 * 28 + col) * 4]! < 128);
    });
    expect(firstBar.flatMap((ink, col) => (ink ? [col] : []))).toEqual([4, 5, 6, 7]); // the bar at x 8–15 of 56
    await page.getByTestId('image-data').selectOption('mnist');
    await expect.poll(() => page.getByTestId('image-preview-count').textContent(), { timeout: 60_000 }).toMatch(/mnist: 10,000 images/);

    // A tiny PixelCNN: 8 channels, one residual block, 20 steps of 8 images.
    await page.getByTestId('image-channels').fill('8');
    await page.getByTestId('image-blocks').fill('1');
    await page.getByTestId('image-steps').fill('20');
    await page.getByTestId('image-batch').fill('8');
    await page.getByText('More', { exact: true }).click();
    await page.getByTestId('image-hidden-out').fill('16');
    await page.getByTestId('image-eval-every').fill('10');
    await page.getByTestId('image-eval-batches').fill('1');
    await page.getByTestId('image-checkpoint-every').fill('10');
    await page.getByTestId('image-name').fill('tiny digits');
    await page.getByTestId('image-train-button').click();
    await expect.poll(() => page.getByTestId('image-train-status').textContent(), { timeout: 240_000 }).toBe('Completed 20 steps.');
    expect(await page.getByTestId('image-train-step').textContent()).toBe('20 / 20');
    expect(await page.getByTestId('image-train-nll').textContent()).toMatch(/^\d+\.\d nats$/);
    expect(Number(await page.getByTestId('image-train-bpd').textContent())).toBeGreaterThan(0);
    expect(await page.getByTestId('image-train-tps').textContent()).toMatch(/^[\d.,]+$/);
    expect(await page.getByTestId('image-train-checkpoint').textContent()).toBe('step 20');
    // After each validation the model draws a few digits (the last ones shown).
    expect(await page.getByTestId('image-train-preview').locator('figcaption').textContent()).toMatch(/^Sampled at step 20 /);
    expect(await page.getByTestId('image-train-preview-images').locator('canvas').count()).toBe(4);
    expect((await chartSeries(page, 'image-loss-chart', 'train')).length).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('complete-run').locator('option:not([disabled])').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('complete-run').locator('option').first().textContent()).toContain('tiny digits · PixelCNN 8 ch');

    // Start from a dataset digit (all of it painted, so known) and keep its top 10 rows: the rest is cleared.
    await page.getByTestId('known-mode-painted').check();
    await page.getByTestId('draw-pick-digit').click();
    await expect.poll(() => page.getByTestId('digit-thumb-item').count(), { timeout: 30_000 }).toBe(64);
    await page.getByTestId('digit-thumb-item').first().click();
    const digit = await padInk(page);
    expect(digit.filter(Boolean).length).toBeGreaterThan(40);
    await page.getByTestId('keep-rows').fill('10');
    await expect.poll(() => page.getByTestId('known-count').textContent()).toBe(`(${10 * SIDE} of ${SIDE * SIDE})`);
    const kept = await padInk(page);
    kept.forEach((ink, i) => expect(ink).toBe(i < 10 * SIDE ? digit[i] : false));
    await page.getByTestId('draw-undo').click();
    expect(await padInk(page)).toEqual(digit);
    // Or keep any rectangle: dragged out with the rectangle tool, it becomes the known region.
    await page.getByTestId('draw-rect').click();
    await stroke(page, [5, 4], [14, 19]);
    await expect.poll(() => page.getByTestId('known-count').textContent()).toBe(`(${10 * 16} of ${SIDE * SIDE})`);
    expect(await page.getByTestId('known-mode-painted').isChecked()).toBe(true);
    const boxed = await padInk(page);
    boxed.forEach((ink, i) => {
      const [r, c] = [Math.floor(i / SIDE), i % SIDE];
      expect(ink).toBe(r >= 5 && r <= 14 && c >= 4 && c <= 19 ? digit[i] : false);
    });
    await page.getByTestId('draw-undo').click();
    expect(await padInk(page)).toEqual(digit);
    await page.getByTestId('draw-pick-digit').click(); // hides the picker

    // Draw strokes of our own in the top half; one more stroke is undone.
    await page.getByTestId('draw-clear').click();
    expect((await padInk(page)).some(Boolean)).toBe(false);
    await page.getByTestId('known-mode-rows').check();
    await page.getByTestId('known-rows').fill(String(KNOWN_ROWS));
    await page.getByTestId('draw-pen').click();
    await page.getByTestId('draw-brush').selectOption('1');
    const strokes: [Cell, Cell][] = [
      [
        [4, 8],
        [4, 19],
      ],
      [
        [4, 19],
        [12, 19],
      ],
      [
        [8, 10],
        [8, 17],
      ],
    ];
    for (const [a, b] of strokes) await stroke(page, a, b);
    await stroke(page, [2, 2], [10, 2]);
    await page.getByTestId('draw-undo').click();
    const drawn = await padInk(page);
    const expected = new Set(strokes.flatMap(([a, b]) => line(a, b)).map(([r, c]) => r * SIDE + c));
    expect(drawn.flatMap((ink, i) => (ink ? [i] : []))).toEqual([...expected].sort((a, b) => a - b));
    expect(await page.getByTestId('known-count').textContent()).toBe(`(${KNOWN_ROWS * SIDE} of ${SIDE * SIDE})`);

    // Complete four ways.
    await page.getByTestId('complete-samples').fill('4');
    await page.getByTestId('complete-seed').fill('3');
    await page.getByTestId('complete-method').selectOption('fast');
    await page.getByTestId('complete-button').click();
    await expect.poll(() => page.getByTestId('complete-grid').getByTestId('sample-canvas').count(), { timeout: 30_000 }).toBe(4);
    await expect.poll(() => finishedCards(page, 'complete-grid'), { timeout: 180_000 }).toBe(4);
    await expect.poll(() => page.getByTestId('complete-status').textContent(), { timeout: 30_000 }).toMatch(/^Done\. 392 of 392 pixels drawn/);
    expect(await page.getByTestId('complete-grid').getByTestId('sample-heat').count()).toBe(4);
    for (const nll of await page.getByTestId('complete-grid').getByTestId('sample-nll').allTextContents()) expect(nll).toMatch(/^\d+\.\d nats$/);

    // Every completion keeps the known rows exactly as drawn (ink and blank), in the untinted ink colour.
    const samples = await samplePixels(page, 'complete-grid');
    expect(samples).toHaveLength(4);
    for (const rgba of samples) {
      for (let i = 0; i < KNOWN_ROWS * SIDE; i++) {
        const px = rgba.slice(i * 4, i * 4 + 3);
        if (drawn[i]) expect(px, `pixel ${i}`).toEqual(KNOWN_INK);
        else expect(px, `pixel ${i}`).toEqual([255, 255, 255]);
      }
    }

    // Saving: a grid PNG of the four, and the fill-in as a GIF Chromium can play.
    const grid = await download(page, 'complete-save-grid');
    expect(grid.name).toMatch(/^tiny-digits-completion-grid-4\.png$/);
    const png = PNG.sync.read(grid.bytes);
    expect([png.width, png.height]).toEqual([8 * (1 + 4 * 29), 8 * (1 + 29)]);
    const gif = await download(page, 'complete-save-gif');
    expect(gif.name).toMatch(/fill-in\.gif$/);
    expect(gif.bytes.subarray(0, 6).toString('ascii')).toBe('GIF89a');
    writeFileSync(screenshotPaths('imageLab-fill.gif')[0]!, gif.bytes);
    const decoded = await page.evaluate(async (b64: string) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/gif' }));
      let frames = -1;
      if ('ImageDecoder' in window) {
        const Decoder = (window as unknown as { ImageDecoder: new (init: { data: Uint8Array; type: string }) => { tracks: { ready: Promise<void>; selectedTrack: { frameCount: number } | null }; completed: Promise<void> } }).ImageDecoder;
        const d = new Decoder({ data: bytes, type: 'image/gif' });
        await d.tracks.ready;
        await d.completed;
        frames = d.tracks.selectedTrack?.frameCount ?? -1;
      }
      return { width: bitmap.width, height: bitmap.height, frames };
    }, gif.bytes.toString('base64'));
    expect([decoded.width, decoded.height]).toEqual([4 * (1 + 4 * 29), 4 * (1 + 29)]);
    if (decoded.frames !== -1) expect(decoded.frames).toBeGreaterThan(10);

    // Unconditional samples: one run stopped part way, then a full grid of nine.
    await page.getByTestId('uncond-samples').fill('64');
    await page.getByTestId('uncond-method').selectOption('naive');
    await page.getByTestId('uncond-button').click();
    await expect.poll(() => page.getByTestId('uncond-status').textContent(), { timeout: 60_000 }).toMatch(/^Pixel \d+ of 784/);
    // While it runs, each sample shows p(ink) of the pixel being drawn.
    const live = await page.evaluate(() => ({
      status: document.querySelector('[data-testid=uncond-status]')?.textContent ?? '',
      p: document.querySelectorAll('[data-testid=uncond-grid] [data-testid=sample-p]').length,
    }));
    if (live.status.startsWith('Pixel')) expect(live.p).toBe(64);
    await page.getByTestId('uncond-stop').click({ force: true }); // it may just have finished
    await expect.poll(() => page.getByTestId('uncond-status').textContent(), { timeout: 60_000 }).toMatch(/^(Stopped|Done)\. \d+ of 784 pixels drawn/);
    await page.getByTestId('uncond-samples').fill('9');
    await page.getByTestId('uncond-method').selectOption('fast');
    await page.getByTestId('uncond-button').click();
    await expect.poll(() => finishedCards(page, 'uncond-grid'), { timeout: 180_000 }).toBe(9);
    await expect.poll(() => page.getByTestId('uncond-status').textContent()).toMatch(/^Done\. 784 of 784 pixels drawn/);
    for (const rgba of await samplePixels(page, 'uncond-grid')) {
      // Every pixel drawn: none left in the "still to draw" grey.
      for (let i = 0; i < SIDE * SIDE; i++) expect(rgba.slice(i * 4, i * 4 + 3)).not.toEqual([225, 228, 233]);
    }

    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);

    // The whole lab in one picture.
    await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
    const contentHeight = await page.evaluate(() => document.querySelector('.page')!.scrollHeight + document.querySelector('header.top')!.clientHeight);
    await page.setViewportSize({ width: 1280, height: Math.ceil(contentHeight) + 40 });
    await page.waitForTimeout(400);
    const shot = await page.screenshot();
    const [results, docs] = screenshotPaths('imageLab.png', 'imageLab.png');
    writeFileSync(results!, shot);
    const compact = paletteImage(shot);
    writeFileSync(docs!, compact);
    expect(compact.length).toBeLessThan(150 * 1024);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPaths('imageLab-dark.png')[0]! });

    // The Runs tab knows the run as a PixelCNN, with its NLL, and sends it back to the Image lab.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-list').textContent(), { timeout: 30_000 }).toContain('PixelCNN 8 ch, 1+1 masked layers');
    await page.getByTestId('run-row').first().click();
    await expect.poll(() => page.getByTestId('run-nll').textContent(), { timeout: 30_000 }).toMatch(/^\d+\.\d nats · \d\.\d{4} bits\/dim$/);
    // Resuming it for 10 more steps continues in the Image lab's monitor.
    await page.getByTestId('run-extra-steps').fill('10');
    await page.getByTestId('run-resume').click();
    expect(await page.getByTestId('tab-images').getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.getByTestId('image-train-status').textContent(), { timeout: 120_000 }).toBe('Completed 30 steps.');
    expect(await page.getByTestId('image-train-step').textContent()).toBe('30 / 30');
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('run-sample').textContent(), { timeout: 30_000 }).toBe('Open in the Image lab');
    await page.getByTestId('run-sample').click();
    expect(await page.getByTestId('tab-images').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 600_000);
});

/**
 * Moving runs in Chromium against `ars serve`: export a run as a file, download its metrics as
 * CSV, delete the run, import the file back (it is whole again and samples), and a file that is
 * not a run archive is refused with a readable notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { unpackTar } from '../../core/runs/tar.ts';
import { HAVE_CHROMIUM, ars, openApp, openPage, screenshotPaths, useStudio, warnIfNoChromium } from './harness.ts';

warnIfNoChromium('the run export/import browser test');

describe.skipIf(!HAVE_CHROMIUM)('run export and import (Chromium, web mode)', () => {
  let runId = '';
  const studio = useStudio({
    prepare: async (runsDir) => {
      const out = await ars(['train', '--model', 'gru', '--data', 'sonnets', '--steps', '12', '--hidden', '16', '--embedding', '8', '--batch', '4', '--seq', '16', '--name', 'travelling gru', '--runs-dir', runsDir, '--json']);
      runId = (JSON.parse(out.trim().split('\n').at(-1)!) as { runId: string }).runId;
    },
    timeout: 120_000,
  });

  it('exports, deletes, imports back; metrics as CSV; refuses a file that is not a run', async () => {
    const { page, problems } = await openPage(studio.browser, { width: 1280, height: 900 });
    await openApp(page, studio.url);
    await page.getByTestId('tab-runs').click();
    await page.locator(`[data-run-id="${runId}"]`).click();
    await expect.poll(() => page.getByTestId('run-detail').textContent()).toContain('travelling gru');
    // What the model wrote after its validation is kept with the run.
    expect(await page.getByTestId('run-preview-step').textContent()).toMatch(/^step 12 · 1 of 1$/);
    expect([...((await page.getByTestId('run-preview-text').textContent()) ?? '')]).toHaveLength(120);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-export').click()]);
    expect(download.suggestedFilename()).toBe(`${runId}.ars-run.tgz`);
    const archivePath = join(studio.runsDir, 'exported.tgz');
    await download.saveAs(archivePath);
    const names = unpackTar(new Uint8Array(gunzipSync(readFileSync(archivePath)))).map((e) => e.name);
    expect(names).toContain(`${runId}/run.json`);
    expect(names).toContain(`${runId}/checkpoints/step-000000012/weights.bin`);

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('run-metrics-csv').click()]);
    const csvPath = join(studio.runsDir, 'metrics.csv');
    await csvDownload.saveAs(csvPath);
    const rows = readFileSync(csvPath, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('step,time,trainLoss,valLoss,tokensPerSec,lr');
    expect(rows).toHaveLength(13);
    expect(rows[12]).toMatch(/^12,\d{4}-\d\d-\d\dT[^,]+,[\d.]+,/);

    await page.getByTestId('run-delete').click();
    await page.getByTestId('run-delete-confirm').click();
    await expect.poll(() => page.locator(`[data-run-id="${runId}"]`).count()).toBe(0);

    await page.getByTestId('runs-import-file').setInputFiles(archivePath);
    await expect.poll(() => page.locator(`[data-run-id="${runId}"]`).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('run-detail').textContent()).toContain('travelling gru');
    expect(await page.getByTestId('run-detail').textContent()).toContain('step 12');
    expect(await page.getByTestId('run-preview-step').textContent()).toMatch(/^step 12 /); // previews travel too
    await expect.poll(() => page.getByTestId('notice').last().textContent()).toContain('Imported run “travelling gru”');
    expect(await page.getByTestId('run-sample').isEnabled()).toBe(true);
    await page.screenshot({ path: screenshotPaths('runs.png')[0]!, fullPage: true });

    // Its settings fill the Text lab's form, to train it again with a change.
    await page.getByTestId('run-reuse').click();
    await expect.poll(() => page.getByTestId('model-hidden').inputValue()).toBe('16');
    expect(await page.getByTestId('model-family').inputValue()).toBe('rnn');
    expect(await page.getByTestId('model-cell').inputValue()).toBe('gru');
    expect(await page.getByTestId('model-embedding').inputValue()).toBe('8');
    expect(await page.getByTestId('train-steps').inputValue()).toBe('12');
    expect(await page.getByTestId('train-batch').inputValue()).toBe('4');
    expect(await page.getByTestId('train-seq').inputValue()).toBe('16');
    expect(await page.getByTestId('corpus-select').inputValue()).toBe('sonnets');
    await page.getByTestId('tab-runs').click();

    await page.getByTestId('runs-import-file').setInputFiles(csvPath);
    await expect.poll(() => page.getByTestId('notice').last().textContent(), { timeout: 30_000 }).toMatch(/Could not import "metrics\.csv".*not a run archive/);
    expect(await page.getByTestId('run-row').count()).toBe(1);
    expect(problems).toEqual([]);
  });
});

/**
 * The Text lab end to end in Chromium, in web mode: `ars serve` as a child process, the built
 * renderer, the real worker. Train a small model, watch the loss curve grow, stop, sample.
 * Leaves docs/screenshot.png (for the README) and test-results/textLab.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const RENDERER_INDEX = join(ROOT, 'out', 'renderer', 'index.html');

if (!HAVE_CHROMIUM) {
  console.warn(`[e2e] skipping the Text lab browser test: ${CHROMIUM} is missing (apt-get install -y chromium, or set CHROMIUM_PATH).`);
}

/** Runs a command to its end; rejects with its output if it fails. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed:\n${output}`))));
  });
}

/** Starts `ars serve` and resolves with the address it prints. */
function startServe(runsDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/cli/main.ts', 'serve', '--port', '0', '--runs-dir', runsDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`ars serve printed no address within 90 s.\n${stdout}${stderr}`)), 90_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(stdout)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => fail(new Error(`ars serve exited (${code}) before printing its address.\n${stdout}${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGINT');
  });
}

const chartPath = (page: Page) => page.getByTestId('loss-chart-train').getAttribute('d').then((d) => d ?? '');

describe.skipIf(!HAVE_CHROMIUM)('Text lab in Chromium (web mode)', () => {
  let runsDir = '';
  let serve: { child: ChildProcess; url: string } | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    if (!existsSync(RENDERER_INDEX)) await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn']);
    runsDir = mkdtempSync(join(tmpdir(), 'ars-e2e-'));
    serve = await startServe(runsDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stop(serve.child);
    if (runsDir) rmSync(runsDir, { recursive: true, force: true });
  });

  it('trains, draws the loss, stops, and samples', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1180 }, colorScheme: 'light' });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

    await page.goto(serve!.url);
    await expect.poll(() => page.getByTestId('status-backend').textContent(), { timeout: 60_000 }).toMatch(/\S/);
    await expect.poll(() => page.getByTestId('status-connection').textContent()).toContain('Connected');

    // A small model, ~60 steps.
    await page.getByTestId('tab-lab').click();
    await page.getByTestId('corpus-select').selectOption('sonnets');
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
    await expect.poll(() => chartPath(page), { timeout: 120_000 }).toMatch(/^M/);
    const first = await chartPath(page);
    await expect.poll(() => chartPath(page).then((d) => d.length), { timeout: 120_000 }).toBeGreaterThan(first.length);
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
    expect(await page.getByTestId('loss-chart-train').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+$/);

    // Sample from the run just trained: the text streams in.
    await page.getByTestId('sample-prompt').fill('Shall I ');
    await page.getByTestId('sample-length').fill('160');
    await page.getByTestId('sample-button').click();
    await expect
      .poll(() => page.getByTestId('sample-output').textContent().then((t) => (t ?? '').length), { timeout: 60_000 })
      .toBeGreaterThan('Shall I '.length + 40);
    await expect.poll(() => page.getByTestId('sample-button').isEnabled(), { timeout: 60_000 }).toBe(true);

    expect(await page.locator('[data-testid=notice][role=alert]').allTextContents()).toEqual([]);
    expect(problems).toEqual([]);

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
    await page.screenshot({ path: join(ROOT, 'test-results', 'textLab.png') });
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshot.png') });
    await page.close();
  }, 400_000);
});

/**
 * What the browser end-to-end tests share: Chromium (skipped, saying why, when it is missing),
 * the built renderer, `ars serve` as a child process in web mode, the CLI for preparing runs,
 * and a page that records console errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const RENDERER_INDEX = join(ROOT, 'out', 'renderer', 'index.html');

/** Says once why a browser test is skipped. */
export function warnIfNoChromium(what: string): void {
  if (!HAVE_CHROMIUM) console.warn(`[e2e] skipping ${what}: ${CHROMIUM} is missing (apt-get install -y chromium, or set CHROMIUM_PATH).`);
}

/** Runs a command to its end; resolves with its stdout, rejects with its output if it fails. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed:\n${output}`))));
  });
}

/** Runs `ars ARGS…` (the CLI, through tsx) to its end; resolves with its stdout. */
export function ars(args: string[]): Promise<string> {
  return run(process.execPath, ['--import', 'tsx', 'core/cli/main.ts', ...args]);
}

/** Builds the renderer if web mode has nothing to serve yet. */
export async function ensureRenderer(): Promise<void> {
  if (!existsSync(RENDERER_INDEX)) await run(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn']);
}

export interface Serve {
  child: ChildProcess;
  url: string;
}

/**
 * Starts `ars serve` and resolves with the address it prints. The runs folder starts without the
 * starter runs (ARS_NO_STARTERS, set for every test) unless `starters` says otherwise.
 */
export function startServe(runsDir: string, starters = false): Promise<Serve> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/cli/main.ts', 'serve', '--port', '0', '--runs-dir', runsDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', ...(starters ? { ARS_NO_STARTERS: '' } : {}) },
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

/** Stops a child process: SIGINT, then SIGKILL after 5 s. */
export function stop(child: ChildProcess): Promise<void> {
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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A fresh runs folder for one test file. */
export function tempRunsDir(): string {
  return mkdtempSync(join(tmpdir(), 'ars-e2e-'));
}

export function removeDir(dir: string): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A page that collects console errors and page errors into `problems`. */
export async function openPage(browser: Browser, options: { width: number; height: number; colorScheme?: 'light' | 'dark' }): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: options.width, height: options.height }, colorScheme: options.colorScheme ?? 'light' });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems };
}

/** Where screenshots go: test-results/ (always) and docs/ (the ones the README shows). */
export function screenshotPaths(name: string, docsName?: string): string[] {
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const paths = [join(ROOT, 'test-results', name)];
  if (docsName) {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    paths.push(join(ROOT, 'docs', docsName));
  }
  return paths;
}

/** Opens the app and waits until it is connected to the worker and knows its backend. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect.poll(() => page.getByTestId('status-backend').textContent(), { timeout: 60_000 }).toMatch(/\S/);
  await expect.poll(() => page.getByTestId('status-connection').textContent()).toContain('Connected');
}

/** The running studio a browser test file drives: its runs folder, `ars serve`'s address and Chromium. */
export interface Studio {
  readonly runsDir: string;
  readonly url: string;
  readonly browser: Browser;
}

/**
 * Registers the suite's beforeAll/afterAll: builds the renderer if needed, makes a fresh runs
 * folder (`prepare` fills it, e.g. with CLI-trained runs), starts `ars serve` on it and launches
 * Chromium; afterwards closes the browser, stops the server and removes the folder.
 */
export function useStudio(options: { prepare?: (runsDir: string) => Promise<void>; timeout?: number; starters?: boolean } = {}): Studio {
  let runsDir = '';
  let serve: Serve | null = null;
  let browser: Browser | null = null;

  beforeAll(async () => {
    await ensureRenderer();
    runsDir = tempRunsDir();
    await options.prepare?.(runsDir);
    serve = await startServe(runsDir, options.starters);
    browser = await launchChromium();
  }, options.timeout);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stop(serve.child);
    removeDir(runsDir);
  });

  return {
    get runsDir() {
      return runsDir;
    },
    get url() {
      return serve!.url;
    },
    get browser() {
      return browser!;
    },
  };
}

/**
 * The points a chart draws for the series labelled `label`, read from its uPlot instance (the
 * chart's figure, found by `testid`, holds it as `uplot`): x and y of each row that has a value.
 */
export function chartSeries(page: Page, testid: string, label: string): Promise<{ x: number; y: number }[]> {
  return page.getByTestId(testid).evaluate((el, wanted) => {
    const u = (el as HTMLElement & { uplot?: { series: { label?: string }[]; data: (number | null | undefined)[][] } }).uplot;
    const i = u ? u.series.findIndex((s, k) => k > 0 && s.label === wanted) : -1;
    if (!u || i < 1) return [];
    const xs = u.data[0]!;
    const ys = u.data[i]!;
    return xs.flatMap((x, j) => (ys[j] === null || ys[j] === undefined || x === null || x === undefined ? [] : [{ x, y: ys[j] }]));
  }, label);
}

/** The number of points each legend entry found by `testid` says its series has. */
export async function legendCounts(page: Page, testid: string): Promise<number[]> {
  return page.getByTestId(testid).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
}

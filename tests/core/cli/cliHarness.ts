import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliIo } from '../../../core/cli/runCli.ts';
import type { StudioLike } from '../../../core/worker/dispatcher.ts';
import type { StudioOptions } from '../../../core/worker/studio.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export class Capture {
  text = '';
  isTTY?: boolean;
  columns?: number;
  private waiters: { pred: (t: string) => boolean; resolve: () => void }[] = [];
  write(chunk: string): boolean {
    this.text += chunk;
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.text)) return true;
      w.resolve();
      return false;
    });
    return true;
  }
  /** Resolves once the captured text satisfies `pred`. */
  until(pred: (t: string) => boolean): Promise<void> {
    if (pred(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l.length > 0);
  }
}

export interface Harness {
  io: CliIo;
  stdout: Capture;
  stderr: Capture;
  /** Simulates Ctrl-C. */
  interrupt(): void;
  studioOptions: StudioOptions[];
}

export function harness(studio: StudioLike | null, extra: Partial<CliIo> = {}): Harness {
  const stdout = new Capture();
  const stderr = new Capture();
  const handlers = new Set<() => void>();
  const studioOptions: StudioOptions[] = [];
  const io: CliIo = {
    stdout,
    stderr,
    // No starter runs: these tests count and name the runs they make (tests/core/worker/starterRuns.test.ts covers them).
    env: { ARS_NO_STARTERS: '1' },
    cwd: REPO,
    onInterrupt(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    ...(studio
      ? {
          createStudio: (o: StudioOptions) => {
            studioOptions.push(o);
            return studio;
          },
        }
      : {}),
    ...extra,
  };
  return { io, stdout, stderr, studioOptions, interrupt: () => [...handlers].forEach((h) => h()) };
}

export async function run(h: Harness, ...argv: string[]): Promise<number> {
  return runCli(argv, h.io);
}

export interface Spawned {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ars` entry in a child process (node --import tsx core/cli/main.ts). */
export function spawnArs(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'core', 'cli', 'main.ts'), ...args], {
      cwd: REPO,
      env: { ...process.env, ARS_DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

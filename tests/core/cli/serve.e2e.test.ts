/**
 * `ars serve` for real, in a child process with its supervised worker: SIGKILL the worker in the
 * middle of training; the server starts a new one, the page's socket closes (it reconnects), the
 * run shows as interrupted, and resuming it continues from its last checkpoint with the metrics
 * continuing. The access token appears in the output exactly once, in the address line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { closed, collect, connectClient, refusalStatus } from '../worker/helpers.ts';
import { REPO } from './cliHarness.ts';

const PAGE = join(REPO, 'out', 'renderer', 'index.html');
const skipReason = existsSync(PAGE) ? null : 'the web page is not built (npm test builds it first; or run npm run build:renderer)';
if (skipReason) console.warn(`[serve.e2e] skipping: ${skipReason}.`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-serve-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  output: () => string;
  stderr: () => string;
  url: string;
  token: string;
  port: number;
  exited: Promise<number | null>;
}

async function startServe(home: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'core', 'cli', 'main.ts'), 'serve', '--runs-dir', home], {
    cwd: REPO,
    env: { ...process.env, ARS_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (all += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    all += c;
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /Autoregressive Studio is serving on (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64}))\n/.exec(all))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`ars serve did not start:\n${all}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => all, stderr: () => err, url: match[1]!, port: Number(match[2]), token: match[3]!, exited };
}

const config: TrainConfigInput = {
  model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 16, layers: 1 },
  data: { kind: 'builtin', name: 'sonnets' },
  steps: 400,
  batch: 4,
  seq: 16,
  evalEvery: 20,
  evalBatches: 1,
  checkpointEvery: 20,
};

describe('ars serve with a supervised worker', () => {
  it.skipIf(skipReason !== null)('SIGKILL mid-training: the worker restarts, the run is interrupted, and resumes from its checkpoint', async () => {
    const home = join(dir, 'home');
    const server = await startServe(home);
    try {
      const wsUrl = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
      // The guards hold in the supervised mode too.
      expect(await refusalStatus(`ws://127.0.0.1:${server.port}/ws?token=${'0'.repeat(64)}`)).toBe(401);
      expect(await refusalStatus(`ws://127.0.0.1:${server.port}/ws`)).toBe(401);
      expect(await refusalStatus(wsUrl, { Origin: 'http://evil.example' })).toBe(403);

      const first = await connectClient(wsUrl);
      const socketClosed = closed(first.ws);
      const { jobId, runId } = await first.client.request('train.start', { config, name: 'crash test' });
      let workerPid = 0;
      let killedAfter = 0;
      const events = await collect(first.client, jobId, (e) => {
        if (e.kind === 'checkpoint' && e.step >= 40 && workerPid === 0) {
          killedAfter = e.step;
          // The worker records its pid in run.json while it trains: kill exactly that process.
          workerPid = -1;
          void readFile(join(home, 'runs', runId, 'run.json'), 'utf8').then((text) => {
            workerPid = (JSON.parse(text) as { pid: number }).pid;
            expect(workerPid).not.toBe(server.child.pid);
            process.kill(workerPid, 'SIGKILL');
          });
        }
      });
      expect(killedAfter).toBeGreaterThanOrEqual(40);
      const last = events.at(-1) as Extract<JobEvent, { kind: 'error' }>;
      expect(last).toMatchObject({ kind: 'error', code: 'WORKER_RESTARTED' });
      expect(last.message).toMatch(/signal SIGKILL.*resume/);
      expect((await socketClosed).code).toBe(1012);
      await expect.poll(() => server.stderr(), { timeout: 10_000 }).toMatch(/note: the worker stopped \(signal SIGKILL\); starting it again/);

      // The page reconnects to the new worker, which reports the run as interrupted.
      const second = await connectClient(wsUrl);
      try {
        const run = (await second.client.request('runs.list', {})).find((r) => r.id === runId)!;
        expect(run.state).toBe('interrupted');
        const checkpointStep = run.checkpointStep!;
        expect(checkpointStep).toBeGreaterThanOrEqual(killedAfter);
        expect(checkpointStep % 20).toBe(0);
        const stored = JSON.parse(await readFile(join(home, 'runs', runId, 'run.json'), 'utf8')) as { pid: number | null };
        expect(stored.pid).toBeNull();

        const resumed = await second.client.request('train.resume', { runId, extraSteps: 0 });
        const after = await collect(second.client, resumed.jobId);
        const steps = after.filter((e) => e.kind === 'progress').map((e) => (e as { step: number }).step);
        expect(steps[0]).toBe(checkpointStep + 1);
        expect(after.at(-1)).toMatchObject({ kind: 'done', reason: 'completed', summary: { step: 400 } });
        const detail = await second.client.request('runs.get', { runId });
        expect(detail.state).toBe('completed');
        // The metrics continue: every step once, none lost or repeated across the crash.
        expect(detail.metrics.map((m) => m.step)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      } finally {
        second.ws.terminate();
      }
    } finally {
      server.child.kill('SIGINT');
      expect(await server.exited).toBe(0);
    }
    // The token is printed once, in the address line, and nowhere else (worker output included).
    const output = server.output();
    expect(output.split(server.token).length - 1).toBe(1);
    const tokenLines = output.split('\n').filter((l) => l.includes(server.token));
    expect(tokenLines).toEqual([`Autoregressive Studio is serving on ${server.url}`]);
  });
});

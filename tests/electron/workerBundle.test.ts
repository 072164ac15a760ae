/**
 * The worker bundle the desktop app ships (out/main/worker.js, what Electron's utilityProcess
 * runs) starts and serves the protocol. Electron's binary is not needed: Node runs the bundle with
 * a stand-in `process.parentPort` (fixtures/parentPortShim.mjs) and this test plays main's part.
 * It catches what only the bundler makes — two module-level `require`s in one chunk once made
 * the bundle a SyntaxError while every test of the sources passed. It tests the build `npm test`
 * makes first (built here only when there is none).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, buildElectronApp } from './electronBuild.ts';

type Reply = { parent?: unknown; port?: { type?: string; id?: string; ok?: boolean; result?: unknown; error?: unknown } };

describe('the built worker bundle', () => {
  let child: ChildProcess;
  let home: string;
  const replies: Reply[] = [];
  let stderr = '';

  beforeAll(async () => {
    const entry = join(ROOT, 'out', 'main', 'worker.js');
    if (!existsSync(entry)) await buildElectronApp();
    home = mkdtempSync(join(tmpdir(), 'ars-worker-bundle-'));
    child = fork(entry, ['--home', home], {
      execArgv: ['--import', join(import.meta.dirname, 'fixtures', 'parentPortShim.mjs')],
      env: { ...process.env, ARS_BACKEND: 'cpu' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m) => replies.push(m as Reply));
  }, 120_000);

  afterAll(() => {
    child?.kill();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  async function waitFor(pick: (r: Reply) => boolean, what: string): Promise<Reply> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = replies.find(pick);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) before ${what}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function request(id: string, method: string, params: unknown = {}) {
    child.send({ port: { v: 1, type: 'request', id, method, params } });
    return (await waitFor((r) => r.port?.type === 'response' && r.port.id === id, `an answer to ${method}`)).port!;
  }

  it('says it is ready, then answers over the port it is given', async () => {
    await waitFor((r) => (r.parent as { type?: string } | undefined)?.type === 'ready', 'ready');
    child.send({ connect: true });
    const info = await request('1', 'info');
    expect(info.ok, JSON.stringify(info.error)).toBe(true);
    expect(JSON.stringify(info.result)).toContain('cpu');
    // The built-in corpora load from their packages through the bundle's module resolution.
    const corpora = await request('2', 'corpora.list');
    expect(corpora.ok, JSON.stringify(corpora.error)).toBe(true);
    const sonnets = (corpora.result as { name: string; chars: number }[]).find((c) => c.name === 'sonnets');
    expect(sonnets?.chars).toBeGreaterThan(90_000);
    const runs = await request('3', 'runs.list');
    expect(runs).toMatchObject({ ok: true, result: [] });
  }, 120_000);
});

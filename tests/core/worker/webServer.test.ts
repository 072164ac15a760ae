import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { TrainConfigInput } from '../../../core/train/config.ts';
import { staticPath, startWebServer, type WebServer } from '../../../core/worker/webServer.ts';
import { encodeFrame } from '../../../core/protocol/wireCodec.ts';
import { FakeStudio } from './fakeStudio.ts';
import { RawPeer, clientWebSocketPipe, collect, connectClient, openWebSocket, refusalStatus } from './helpers.ts';

const config = (steps: number): TrainConfigInput => ({
  model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
  data: { kind: 'builtin', name: 'sonnets' },
  steps,
});

let dir: string;
let staticDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ars-web-'));
  staticDir = join(dir, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Autoregressive Studio</title>');
  await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(staticDir, 'assets', 'app.css'), 'body{}');
  await writeFile(join(staticDir, 'assets', 'kernel.wasm'), new Uint8Array([0, 97, 115, 109]));
  await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const servers: WebServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const s of servers.splice(0)) await s.close();
});

async function start(studio = new FakeStudio(), token?: string): Promise<WebServer> {
  const server = await startWebServer({ studio, staticDir, ...(token ? { token } : {}) });
  servers.push(server);
  return server;
}

const wsUrl = (s: WebServer, token = s.token) => `ws://127.0.0.1:${s.port}/ws?token=${token}`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (no client-side normalisation). */
function get(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web server: the protocol over WebSocket', () => {
  it('gives a random 64-hex-digit token and a URL carrying it', async () => {
    const s = await start();
    expect(s.token).toMatch(/^[0-9a-f]{64}$/);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/?token=${s.token}`);
    const t = await start(new FakeStudio(), 'given-token');
    expect(t.token).toBe('given-token');
  });

  it('streams a 20-step training run, then done', async () => {
    const s = await start();
    const { client, ws } = await connectClient(wsUrl(s));
    sockets.push(ws);
    const { jobId } = await client.request('train.start', { config: config(20) });
    const events = await collect(client, jobId);
    expect(events.filter((e) => e.kind === 'progress').map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
  });

  it('cancels mid-run: done with reason cancelled', async () => {
    const s = await start();
    const { client, ws } = await connectClient(wsUrl(s));
    sockets.push(ws);
    const { jobId } = await client.request('train.start', { config: config(100_000) });
    let sent = false;
    const events = await collect(client, jobId, (e) => {
      if (e.kind === 'progress' && !sent) {
        sent = true;
        void client.request('job.cancel', { jobId });
      }
    });
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'cancelled' });
  });

  it('carries binary payloads as typed arrays', async () => {
    const studio = new FakeStudio();
    const s = await start(studio);
    const { client, ws } = await connectClient(wsUrl(s));
    sockets.push(ws);
    const bytes = new Uint8Array(100_003).map((_, i) => 97 + (i % 26));
    const { jobId } = await client.request('train.start', { config: { ...config(1), data: { kind: 'upload', name: 'a.txt', bytes } } });
    await collect(client, jobId);
    const data = studio.trainConfigs[0]!.data;
    expect(data.kind === 'upload' && data.bytes instanceof Uint8Array && data.bytes.byteLength).toBe(100_003);
    expect(data.kind === 'upload' && data.bytes[100_002]).toBe(bytes[100_002]);
  });

  it("cancels a socket's sampling when it closes; its training goes on", async () => {
    const studio = new FakeStudio();
    const s = await start(studio);
    const { client, ws } = await connectClient(wsUrl(s));
    const { runId } = await client.request('train.start', { config: config(100_000) });
    await client.request('sample.start', { runId, options: { length: 100_000 } });
    ws.close();
    await expect.poll(() => studio.jobs[1]!.cancelled, { timeout: 2000 }).toBe(true);
    expect(studio.jobs[0]!.cancelled).toBe(false);
  });

  it('answers malformed frames and messages with PROTOCOL_ERROR and keeps the socket open', async () => {
    const s = await start();
    const ws = await openWebSocket(wsUrl(s));
    sockets.push(ws);
    const peer = new RawPeer(clientWebSocketPipe(ws));
    const valid = (id: string) => ({ v: 1, type: 'request', id, method: 'info', params: {} });
    const nextError = async () => (await peer.next((m) => (m as { id?: unknown }).id === '')) as { error: { code: string; message: string } };

    const garbage: (Uint8Array | string)[] = [
      new Uint8Array([1, 2, 3]), // shorter than its header length
      new Uint8Array([255, 255, 255, 255, 1]), // header length beyond the frame
      (() => {
        const f = new Uint8Array(9);
        new DataView(f.buffer).setUint32(0, 5, true);
        f.set(new TextEncoder().encode('{{{{{'), 4);
        return f;
      })(), // header not JSON
      encodeFrame({ v: 1, type: 'request', id: 'b', method: 'info', params: { $bin: 0, type: 'Float32Array', length: 1e6 } }), // missing buffer
      'a text frame',
    ];
    for (const frame of garbage) {
      ws.send(frame);
      const reply = await nextError();
      expect(reply.error.code).toBe('PROTOCOL_ERROR');
      expect(reply.error.message).toMatch(/^malformed frame: /);
      expect(await peer.exchange(valid('ok'), 'ok')).toMatchObject({ ok: true });
    }
    for (const message of ['not an object', { ...valid('v2'), v: 2 }, { ...valid('m'), method: 'nope' }, { ...valid('p'), method: 'runs.get', params: {} }]) {
      peer.pipe.send(message);
      const reply = (await peer.next((m) => (m as { ok?: unknown }).ok === false)) as { error: { code: string } };
      expect(reply.error.code).toBe('PROTOCOL_ERROR');
      expect(await peer.exchange(valid('ok2'), 'ok2')).toMatchObject({ ok: true });
    }
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('refuses a missing or wrong token with 401 before the upgrade', async () => {
    const s = await start();
    expect(await refusalStatus(`ws://127.0.0.1:${s.port}/ws`)).toBe(401);
    expect(await refusalStatus(wsUrl(s, 'wrong'))).toBe(401);
    expect(await refusalStatus(wsUrl(s, s.token.slice(0, -1)))).toBe(401);
    expect(await refusalStatus(wsUrl(s, `${s.token}0`))).toBe(401);
    expect(await refusalStatus(`ws://127.0.0.1:${s.port}/other?token=${s.token}`)).toBe(404);
  });

  it("refuses a foreign Origin with 403 and accepts the server's own", async () => {
    const s = await start();
    expect(await refusalStatus(wsUrl(s), { Origin: 'http://evil.example' })).toBe(403);
    expect(await refusalStatus(wsUrl(s), { Origin: `http://127.0.0.1:${s.port + 1}` })).toBe(403);
    expect(await refusalStatus(wsUrl(s), { Origin: 'null' })).toBe(403);
    for (const origin of [`http://127.0.0.1:${s.port}`, `http://localhost:${s.port}`]) {
      const ws = await openWebSocket(wsUrl(s), { Origin: origin });
      sockets.push(ws);
    }
  });

  it('refuses a foreign Host header (DNS rebinding) on loopback', async () => {
    const s = await start();
    expect(await refusalStatus(wsUrl(s), { Host: `evil.example:${s.port}` })).toBe(403);
    expect((await get(s.port, '/', { headers: { Host: `evil.example:${s.port}` } })).status).toBe(403);
    expect((await get(s.port, '/', { headers: { Host: `localhost:${s.port}` } })).status).toBe(200);
  });
});

describe('web server: static files', () => {
  it('serves index.html with the security headers', async () => {
    const s = await start();
    const r = await get(s.port, '/?token=abc');
    expect(r.status).toBe(200);
    expect(r.body).toContain('Autoregressive Studio');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${s.port}`);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves assets with their content types', async () => {
    const s = await start();
    expect((await get(s.port, '/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(s.port, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(s.port, '/assets/kernel.wasm')).headers['content-type']).toBe('application/wasm');
    expect((await get(s.port, '/index.html')).status).toBe(200);
    expect((await get(s.port, '/missing.js')).status).toBe(404);
    expect((await get(s.port, '/assets')).status).toBe(404);
  });

  it('refuses path traversal', async () => {
    const s = await start();
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets%2f..%2f..%2fsecret.txt', '/..\\secret.txt', '/%5c..%5csecret.txt', '/a%00b', '/%E0%A4%A']) {
      const r = await get(s.port, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body).not.toContain('TOP SECRET');
    }
  });

  it('serves the licences file at /licenses.txt when given one, and nothing else outside the page', async () => {
    const licensesFile = join(dir, 'THIRD_PARTY_LICENSES.txt');
    await writeFile(licensesFile, 'MNIST: CC BY-SA 3.0');
    const s = await startWebServer({ studio: new FakeStudio(), staticDir, licensesFile });
    servers.push(s);
    const r = await get(s.port, '/licenses.txt');
    expect(r.status).toBe(200);
    expect(r.body).toBe('MNIST: CC BY-SA 3.0');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(s.port, '/THIRD_PARTY_LICENSES.txt')).status).toBe(404);
    const without = await start();
    expect((await get(without.port, '/licenses.txt')).status).toBe(404);
  });

  it('serves GET only', async () => {
    const s = await start();
    const r = await get(s.port, '/', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET');
  });

  it('maps request paths to files', () => {
    expect(staticPath('/')).toBe('index.html');
    expect(staticPath('/?token=x')).toBe('index.html');
    expect(staticPath('/assets/a.js?x#y')).toBe('assets/a.js');
    expect(staticPath('/a%20b.js')).toBe('a b.js');
    expect(staticPath('/../x')).toBeNull();
    expect(staticPath('/./x')).toBeNull();
    expect(staticPath('/%2e%2e/x')).toBeNull();
    expect(staticPath('x')).toBeNull();
  });
});

/**
 * The protocol, fuzzed: 10,000 random and malformed messages — wrong types, huge and odd numbers,
 * deep nesting, oversize strings and buffers, random method names and params, damaged frames —
 * sent to a real Studio through the in-process transport and, as binary frames, through the wire
 * codec and a real WebSocket server. The worker stays alive, every message gets exactly one
 * well-formed response, and no run on disk changes.
 */
import * as fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Methods, ResponseMessage, type MethodName } from '../../../core/protocol/messages.ts';
import { createPipePair } from '../../../core/protocol/transport.ts';
import { WireCodecError, decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';
import { serveClient } from '../../../core/worker/dispatcher.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { startWebServer, type WebServer } from '../../../core/worker/webServer.ts';
import { RawPeer, clientWebSocketPipe, isResponse, openWebSocket } from './helpers.ts';

const IN_PROCESS_RUNS = 7000;
const WIRE_RUNS = 3000;

let home: string;
let studio: Studio;
let runId: string;
let before: string;

/** SHA-256 over the names and contents of everything under the runs folder. */
async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      if ((await stat(p)).isDirectory()) await walk(p);
      else hash.update(p).update('\0').update(await readFile(p)).update('\0');
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'ars-fuzz-'));
  // runs.restoreStarters is fuzzed too: it finds no starter runs to add (an empty folder), so the runs stay as they are.
  studio = new Studio({ home, progressIntervalMs: 0, starterRuns: await mkdtemp(join(tmpdir(), 'ars-fuzz-starters-')) });
  const job = await studio.startTraining(
    (await import('../../../core/train/config.ts')).TrainConfig.parse({
      model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 },
      data: { kind: 'builtin', name: 'sonnets' },
      steps: 5,
      batch: 2,
      seq: 8,
      checkpointEvery: 5,
    }),
    'fuzz target',
  );
  for await (const e of job.events()) if (e.kind === 'error') throw new Error(e.message);
  runId = job.runId;
  before = await digest(studio.runsRoot);
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

// ---------------------------------------------------------------- arbitraries

const METHODS = Object.keys(Methods) as MethodName[];

const oddNumber = fc.constantFrom(1e308, -1e308, Infinity, -Infinity, NaN, -0, 2 ** 53 + 2, -(2 ** 63), 5e-324, 0.5, 1e21, 4294967296);
const oddString = fc.oneof(
  fc.constantFrom('', '__proto__', 'constructor', 'prototype', '..', '../../etc/passwd', '/etc/passwd', 'C:\\Windows', '\0', '\uD800', '💥'.repeat(50), '$bin', '%00', 'null'),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const oversizeString = fc.integer({ min: 100_000, max: 3_000_000 }).map((n) => 'x'.repeat(n));

function nest(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}
const deep = fc.tuple(fc.integer({ min: 20, max: 1000 }), fc.boolean()).map(([d, a]) => nest(d, 1, a));

/** Valid-looking params for methods, so mutations land deep inside the schemas too (others: {}). */
const TEMPLATES: Partial<Record<MethodName, () => Record<string, unknown>>> = {
  info: () => ({}),
  'corpora.list': () => ({}),
  'datasets.checkText': () => ({ name: 'x.txt', bytes: new Uint8Array([104, 105]) }),
  'train.start': () => ({
    config: { model: { family: 'rnn', cell: 'lstm', embedding: 8, hidden: 16, layers: 1 }, data: { kind: 'builtin', name: 'sonnets' }, steps: 3 },
    name: 'x',
  }),
  'train.resume': () => ({ runId: 'no-such-run', extraSteps: 1 }),
  'sample.start': () => ({ runId: 'no-such-run', options: { length: 5, temperature: 1 } }),
  'race.start': () => ({ arRunId: 'a', narRunId: 'b', options: { length: 5 } }),
  'race.scaling': () => ({ arRunId: 'a', narRunId: 'b', options: {}, lengths: [4] }),
  'job.pause': () => ({ jobId: 'j' }),
  'job.resume': () => ({ jobId: 'j' }),
  'job.cancel': () => ({ jobId: 'j' }),
  'runs.list': () => ({}),
  'runs.get': () => ({ runId: 'no-such-run' }),
  'runs.delete': () => ({ runId: 'no-such-run' }),
  'images.preview': () => ({ source: { kind: 'file', path: '../../etc/passwd' }, limit: 4 }),
  'image.train.start': () => ({ config: { data: { kind: 'builtin', name: 'mnist' }, steps: 1 } }),
  'image.sample.start': () => ({ runId: 'no-such-run', options: {} }),
};

/** Replaces the value at a random path of `o` (a copy) with `v`. */
function mutate(o: Record<string, unknown>, pathPick: number[], v: unknown): Record<string, unknown> {
  const copy = structuredClone(o);
  let node: Record<string, unknown> = copy;
  for (const pick of pathPick) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pick % keys.length]!;
    const child = node[key];
    if (typeof child === 'object' && child !== null && !Array.isArray(child) && !ArrayBuffer.isView(child) && pick % 3 !== 0) node = child as Record<string, unknown>;
    else {
      node[key] = v;
      return copy;
    }
  }
  node[String(pathPick[0] ?? 'extra')] = v;
  return copy;
}

let counter = 0;

/**
 * The fuzzer's messages. `huge`: include buffers just over the largest upload the protocol takes
 * (64 MiB) — costly to copy, so only on the in-process path; the codec and socket path carries
 * the other oversize values (megabyte buffers and strings, deep nesting).
 */
function messages(huge: boolean): fc.Arbitrary<unknown> {
  const buffer = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(0, 1, 3, 4097, 1 << 20).map((n) => new Uint8Array(n)) },
    ...(huge ? [{ weight: 1, arbitrary: fc.constant(null).map(() => new Uint8Array(64 * 1024 * 1024 + 1)) }] : []),
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 6, arbitrary: fc.float32Array({ maxLength: 16 }) },
    { weight: 6, arbitrary: fc.int32Array({ maxLength: 16 }) },
  );
  const value: fc.Arbitrary<unknown> = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
    },
    { weight: 4, arbitrary: oddNumber },
    { weight: 4, arbitrary: oddString },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: buffer },
    { weight: 1, arbitrary: oversizeString.map((s) => s.slice(0, 200_000)) },
  );
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...METHODS) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'INFO', 'runs.delete ', 'runs', 'job.*') },
    { weight: 1, arbitrary: oddString },
    { weight: 1, arbitrary: value },
  );
  const params = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), value).map(([m, path, v]) => mutate(TEMPLATES[m]?.() ?? {}, path, v)),
    },
    { weight: 2, arbitrary: fc.dictionary(oddString, value, { maxKeys: 5 }) },
    { weight: 2, arbitrary: value },
  );
  const request = fc
    .record(
      {
        v: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: value }),
        type: fc.oneof({ weight: 8, arbitrary: fc.constant('request') }, { weight: 1, arbitrary: value }),
        id: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: value }),
        method,
        params,
        extra: value,
      },
      { requiredKeys: ['v', 'type', 'id', 'method'] },
    )
    .map((m) => ({ ...m, id: m.id === null ? `f${++counter}` : m.id }));
  const protoKey = fc.constant(null).map(() => JSON.parse('{"v":1,"type":"request","id":"p","method":"runs.get","params":{"__proto__":{"runId":"x"}}}') as unknown);
  return fc.oneof({ weight: 12, arbitrary: request }, { weight: 1, arbitrary: value }, { weight: 1, arbitrary: protoKey }).filter((m) => !wouldChangeRuns(m));
}

/** Valid requests that only read, or that fail for a run that does not exist. */
const READ_ONLY = new Set(['info', 'corpora.list', 'datasets.checkText', 'runs.list', 'runs.get', 'job.pause', 'job.resume', 'job.cancel', 'images.preview']);

/**
 * A request that could change what is on disk if it is valid (it starts training, or names the
 * real run): the fuzzer sends only what cannot. Unknown new methods count as changing.
 */
function wouldChangeRuns(m: unknown): boolean {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as { v?: unknown; type?: unknown; method?: unknown; params?: unknown };
  if (r.v !== 1 || r.type !== 'request' || typeof r.method !== 'string' || !Object.hasOwn(Methods, r.method)) return false;
  const parsed = Methods[r.method as MethodName].params.safeParse(r.params ?? {});
  if (!parsed.success) return false;
  const ids = Object.entries(parsed.data as Record<string, unknown>).filter(([k]) => /runId$/i.test(k)).map(([, v]) => v);
  if (ids.includes(runId)) return true;
  return !READ_ONLY.has(r.method) && ids.length === 0;
}

// ---------------------------------------------------------------- checks

function checkResponse(reply: unknown): void {
  const parsed = ResponseMessage.safeParse(reply);
  if (!parsed.success) throw new Error(`malformed response: ${JSON.stringify(reply)?.slice(0, 300)}`);
  if (!parsed.data.ok) {
    expect(parsed.data.error.code).toMatch(/^[A-Z_]+$/);
    expect(parsed.data.error.message.length).toBeLessThan(2000);
  }
}

describe('protocol fuzzing', () => {
  it(`${IN_PROCESS_RUNS} random messages over the in-process transport: one well-formed reply each, nothing changed`, async () => {
    const [clientSide, workerSide] = createPipePair();
    serveClient(workerSide, studio);
    const peer = new RawPeer(clientSide);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(messages(true), async (m) => {
        try {
          clientSide.send(m);
        } catch {
          return; // the sender itself cannot clone it (e.g. a Map inside a null-prototype object): never reaches the worker
        }
        sent++;
        const reply = await peer.next(isResponse, 10_000);
        checkResponse(reply);
        const id = (m as { id?: unknown } | null)?.id;
        if (typeof id === 'string' && id.length >= 1 && id.length <= 64) expect((reply as { id: string }).id).toBe(id);
      }),
      { numRuns: IN_PROCESS_RUNS },
    );
    expect(sent).toBeGreaterThan(IN_PROCESS_RUNS * 0.9);
    // Nothing else arrived: no job was started by any of them.
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.received).toEqual([]);
    // Still alive and serving.
    expect(await peer.exchange({ v: 1, type: 'request', id: 'alive', method: 'info', params: {} }, 'alive')).toMatchObject({ ok: true });
    const runs = (await peer.exchange({ v: 1, type: 'request', id: 'list', method: 'runs.list', params: {} }, 'list')) as { result: { id: string; state: string }[] };
    expect(runs.result.map((r) => [r.id, r.state])).toEqual([[runId, 'completed']]);
    expect(await digest(studio.runsRoot)).toBe(before);
  });

  it(`${WIRE_RUNS} random frames through the wire codec and a WebSocket: one well-formed reply each, nothing changed`, async () => {
    const server: WebServer = await startWebServer({ studio, staticDir: join(home, 'no-page') });
    const ws = await openWebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    try {
      const peer = new RawPeer(clientWebSocketPipe(ws));
      const frame = fc.oneof(
        // Fuzzed messages, encoded as a client would.
        { weight: 6, arbitrary: messages(false).map((m) => safeEncode(m)) },
        // Encoded messages with damaged bytes.
        {
          weight: 3,
          arbitrary: fc
            .tuple(messages(false), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat()))
            .map(([m, flips, cut]) => {
              const bytes = safeEncode(m);
              for (const [at, b] of flips) if (bytes.length > 0) bytes[at % bytes.length] = b;
              return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
            }),
        },
        // Random bytes, lying header lengths, deep JSON, binary placeholders that lie.
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
        { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.string({ maxLength: 40 })).map(([n, s]) => rawFrame(s, n)) },
        { weight: 1, arbitrary: fc.integer({ min: 60, max: 100_000 }).map((d) => rawFrame(`{"v":1,"type":"request","id":"d","method":"info","params":${'['.repeat(d)}${']'.repeat(d)}}`)) },
        {
          weight: 1,
          arbitrary: fc
            .record({ bin: fc.oneof(fc.nat(), fc.constant(-1), oddNumber), type: fc.constantFrom('Uint8Array', 'Float32Array', 'Int32Array', 'Float64Array', '__proto__'), length: fc.oneof(fc.nat(), oddNumber) })
            .map(({ bin, type, length }) => rawFrame(`{"v":1,"type":"request","id":"b","method":"info","params":{"$bin":${JSON.stringify(bin)},"type":"${type}","length":${JSON.stringify(length)}}}`)),
        },
      );
      await fc.assert(
        fc.asyncProperty(frame, async (bytes) => {
          // The codec on its own: a frame decodes or is refused with a WireCodecError, nothing else.
          try {
            decodeFrame(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(WireCodecError);
          }
          ws.send(bytes);
          checkResponse(await peer.next(isResponse, 10_000));
        }),
        { numRuns: WIRE_RUNS },
      );
      ws.send('a text frame');
      checkResponse(await peer.next(isResponse));
      await new Promise((r) => setTimeout(r, 50));
      expect(peer.received).toEqual([]);
      expect(ws.readyState).toBe(ws.OPEN);
      expect(await peer.exchange({ v: 1, type: 'request', id: 'alive', method: 'runs.get', params: { runId } }, 'alive')).toMatchObject({ ok: true, result: { id: runId, state: 'completed' } });
    } finally {
      ws.terminate();
      await server.close();
    }
    expect(await digest(studio.runsRoot)).toBe(before);
  });
});

/** Encodes like a client; what JSON cannot carry (BigInt, cycles) becomes a plain string frame body. */
function safeEncode(m: unknown): Uint8Array {
  try {
    return encodeFrame(m);
  } catch {
    return rawFrame(String(typeof m));
  }
}

/** A frame around a header text, optionally with a header length that lies. */
function rawFrame(header: string, lieLength?: number): Uint8Array {
  const body = new TextEncoder().encode(header);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, lieLength ?? body.length, true);
  out.set(body, 4);
  return out;
}

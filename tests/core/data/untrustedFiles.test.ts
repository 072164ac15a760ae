/**
 * Files a careless user or an attacker may put in front of the loaders: a FIFO (or device) in the
 * datasets folder, an IDX file whose header promises more images than the app takes, a text file
 * with ANSI colour codes. Each is answered quickly, and other requests are answered meanwhile.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetsFolder } from '../../../core/data/dataPath.ts';
import { MAX_IMAGES, loadImageSource } from '../../../core/data/imageImport.ts';
import { decodeText, decodeTextFile, loadTextSource } from '../../../core/data/textSource.ts';
import type { JobEvent } from '../../../core/protocol/messages.ts';
import { TrainConfig } from '../../../core/train/config.ts';
import { Studio } from '../../../core/worker/studio.ts';
import { REPETITIVE_TEXT } from '../../helpers/corpus.ts';

const home = mkdtempSync(join(tmpdir(), 'ars-untrusted-'));
const datasets = datasetsFolder(home);
mkdirSync(join(datasets, 'pngs'), { recursive: true });
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Rejects with "still waiting" when `p` has not settled after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

describe.skipIf(process.platform === 'win32')('a FIFO in the datasets folder', () => {
  const fifo = (name: string) => {
    const path = join(datasets, name);
    execFileSync('mkfifo', [path]);
    return path;
  };

  it('images.preview of a FIFO (file or .png in a folder) is refused at once, and other requests are answered meanwhile', async () => {
    fifo('pipe.idx');
    fifo('pngs/0.png');
    const studio = new Studio({ home });
    // More than libuv's four threads: a blocking open() in each would freeze every file access.
    const previews = await Promise.allSettled(Array.from({ length: 6 }, () => within(studio.imagePreview({ kind: 'file', path: 'pipe.idx' }, 4), 3000)));
    for (const p of previews) expect(p).toMatchObject({ status: 'rejected', reason: { code: 'DATASET_ERROR', message: expect.stringMatching(/not a regular file/) } });
    await expect(within(studio.listRuns(), 3000)).resolves.toEqual([]);
    // In a folder: the FIFO is not a PNG file to read, so the folder has none.
    await expect(within(studio.imagePreview({ kind: 'folder', path: 'pngs' }, 4), 3000)).rejects.toThrow(/holds no PNG images/);
    // The command line (any path) is refused the same way.
    await expect(within(loadImageSource({ kind: 'file', path: join(datasets, 'pngs', '0.png') }), 3000)).rejects.toThrow(/not a regular file/);
  });

  it('a text FIFO is refused at once, and other requests are answered meanwhile', async () => {
    fifo('pipe.txt');
    const studio = new Studio({ home });
    const config = TrainConfig.parse({ model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 }, data: { kind: 'file', path: 'pipe.txt' }, steps: 1, batch: 2, seq: 8 });
    await studio.info(); // the backend starts first (seconds, once)
    const starts = await Promise.allSettled(Array.from({ length: 6 }, () => within(studio.startTraining(config), 3000)));
    for (const p of starts) expect(p).toMatchObject({ status: 'rejected', reason: { code: 'DATASET_ERROR', message: expect.stringMatching(/not a regular file/) } });
    await expect(within(studio.listRuns(), 3000)).resolves.toEqual([]);
    await expect(within(loadTextSource({ kind: 'file', path: join(datasets, 'pipe.txt') }), 3000)).rejects.toThrow(/not a regular file/);
  });
});

describe('an IDX file whose header promises too many images', () => {
  /** A gzipped IDX file of `count` images of side × side, built from gzip members (cheap to make, big to unpack). */
  function idxBomb(count: number, side: number): Uint8Array<ArrayBuffer> {
    const header = new Uint8Array(16);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x803);
    view.setUint32(4, count);
    view.setUint32(8, side);
    view.setUint32(12, side);
    const mib = gzipSync(new Uint8Array(2 ** 20));
    const body = count * side * side;
    const parts = [gzipSync(header), ...Array.from({ length: Math.ceil(body / 2 ** 20) }, () => mib)];
    return new Uint8Array(Buffer.concat(parts));
  }

  it('is refused from its header, fast, before its body is unpacked', async () => {
    const bytes = idxBomb(1_000_000, 20); // ~400 MB of pixels in a few hundred KiB
    expect(bytes.length).toBeLessThan(1_000_000);
    const path = join(datasets, 'million.idx.gz');
    writeFileSync(path, bytes);
    const started = performance.now();
    await expect(loadImageSource({ kind: 'file', path })).rejects.toThrow(new RegExp(`holds 1000000 images; at most ${MAX_IMAGES} are supported`));
    await expect(loadImageSource({ kind: 'upload', files: [{ name: 'million.idx.gz', bytes }] })).rejects.toThrow(/holds 1000000 images/);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('a plain (not gzipped) IDX header over the limit is refused the same way', async () => {
    const header = new Uint8Array(16 + 784);
    const view = new DataView(header.buffer);
    view.setUint32(0, 0x803);
    view.setUint32(4, MAX_IMAGES + 1);
    view.setUint32(8, 28);
    view.setUint32(12, 28);
    await expect(loadImageSource({ kind: 'upload', files: [{ name: 'x.idx', bytes: header }] })).rejects.toThrow(new RegExp(`holds ${MAX_IMAGES + 1} images; at most`));
  });
});

describe('a text file with ANSI colour codes', () => {
  const poem = (lines: number) => {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) {
      out.push(`\x1b[1;31m静夜思 ${i}\x1b[0m`, '床前明月光，疑是地上霜。', '举头望明月，低头思故乡。', '\x1b]0;title\x07', '');
    }
    return out.join('\n');
  };

  it('has its escape sequences removed, with a count, and the rest kept', () => {
    const text = poem(30);
    const { text: clean, removedEscapes } = decodeTextFile('poems.txt', new TextEncoder().encode(text));
    expect(removedEscapes).toBe(90);
    expect(clean).not.toMatch(/[\x00-\x08\x0b\x0e-\x1f\x7f]/);
    expect(clean).toContain('静夜思 0\n床前明月光');
    // A file still full of control characters once the escapes are gone is binary, as before.
    const binary = new Uint8Array(2000).map((_, i) => (i % 3 === 0 ? 1 : 65));
    expect(() => decodeText('x.bin', binary)).toThrow(/binary/);
  });

  it('trains, and the training job says how many sequences were removed', async () => {
    writeFileSync(join(datasets, 'poems.txt'), `${poem(20)}\n${REPETITIVE_TEXT}`);
    const studio = new Studio({ home, progressIntervalMs: 0 });
    const config = TrainConfig.parse({ model: { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1 }, data: { kind: 'file', path: 'poems.txt' }, steps: 2, batch: 2, seq: 8 });
    const job = await studio.startTraining(config);
    const events: JobEvent[] = [];
    for await (const e of job.events()) events.push(e);
    expect(events.at(-1)).toMatchObject({ kind: 'done', reason: 'completed' });
    expect(events).toContainEqual({ kind: 'notice', message: expect.stringMatching(/Removed 60 terminal escape sequences \(ANSI colours, titles\) from "poems\.txt"/) });
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../core/errors.ts';
import { decodeIdxImages, encodeIdxImages } from '../../../core/data/idx.ts';
import { decodeImageFile, loadImageFolder, loadImageSource } from '../../../core/data/imageImport.ts';
import { IMAGE_PIXELS, ImageDataset, binarizeStochastic, greyBytes, imageGrid, sampleImageBatch } from '../../../core/data/imageSet.ts';
import { encodePng } from '../../../core/data/pngImage.ts';
import { randomKnownMask, TRAINING_MASK_SHAPES } from '../../../core/data/imageMasks.ts';
import { ImageTrainConfig } from '../../../core/train/imageConfig.ts';
import { ImageSource } from '../../../core/data/imageSource.ts';
import { loadMnistDigits } from '../../../core/data/mnistDigits.ts';
import { decodePngGrey, pngToBinary } from '../../../core/data/pngImage.ts';
import { createRng } from '../../../core/rng.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ars-images-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Random-looking 28×28 bit patterns (a blob so they look a bit like strokes). */
function randomBits(count: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const out = new Uint8Array(count * IMAGE_PIXELS);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() < 0.3 ? 1 : 0;
  return out;
}

/** A PNG of `bits` (28×28) drawn `scale`× larger, ink and background in the given RGBA colours. */
function pngOf(bits: Uint8Array, scale: number, ink: number[], background: number[]): Buffer {
  const side = 28 * scale;
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const colour = bits[Math.floor(y / scale) * 28 + Math.floor(x / scale)] ? ink : background;
      png.data.set(colour, 4 * (y * side + x));
    }
  }
  return PNG.sync.write(png);
}

describe('built-in MNIST digits', () => {
  it('loads 10,000 binarized 28×28 digits with labels 0–9', () => {
    const set = loadMnistDigits();
    expect(set.count).toBe(10_000);
    expect(set.images).toHaveLength(10_000 * IMAGE_PIXELS);
    expect(set.labels).toHaveLength(10_000);
    expect(new Set(set.images)).toEqual(new Set([0, 1]));
    expect(new Set(set.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    // Ink is the minority, and on white: about 13% of MNIST's pixels are ≥ 0.5.
    const ink = set.images.reduce((a, b) => a + b, 0) / set.images.length;
    expect(ink).toBeGreaterThan(0.08);
    expect(ink).toBeLessThan(0.2);
    // Digits sit in the middle: the border rows are (almost) empty.
    let border = 0;
    for (let n = 0; n < set.count; n++) for (let x = 0; x < 28; x++) border += set.images[n * IMAGE_PIXELS + x]!;
    expect(border / set.count).toBeLessThan(0.01);
  });

  it('is reachable as an image source', async () => {
    const set = await loadImageSource(ImageSource.parse({ kind: 'builtin', name: 'mnist' }));
    expect(set.count).toBe(10_000);
  });
});

describe('ImageDataset', () => {
  it('shuffles with a seed and splits off a validation part', () => {
    const { images, count } = loadMnistDigits();
    const a = ImageDataset.fromImages('mnist', images, { valFraction: 0.1, seed: 3 });
    const b = ImageDataset.fromImages('mnist', images, { valFraction: 0.1, seed: 3 });
    expect(a.validationCount).toBe(1000);
    expect(a.trainCount + a.validationCount).toBe(count);
    const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
    expect(same(a.validation, b.validation)).toBe(true);
    // Shuffled: the validation part is not just the last class (9s) of the class-ordered package.
    expect(same(a.validation, images.subarray(images.length - 1000 * IMAGE_PIXELS))).toBe(false);
    expect(same(a.validation, ImageDataset.fromImages('mnist', images, { valFraction: 0.1, seed: 4 }).validation)).toBe(false);
  });

  it('needs two images', () => {
    expect(() => ImageDataset.fromImages('one', randomBits(1, 1), { valFraction: 0.1 })).toThrow(DatasetError);
    const two = ImageDataset.fromImages('two', randomBits(2, 1), { valFraction: 0.1 });
    expect([two.trainCount, two.validationCount]).toEqual([1, 1]);
  });

  it('draws batches of whole images', () => {
    const images = randomBits(5, 2);
    const batch = sampleImageBatch(images, 8, createRng(1));
    expect(batch).toHaveLength(8 * IMAGE_PIXELS);
    for (let b = 0; b < 8; b++) {
      const img = batch.subarray(b * IMAGE_PIXELS, (b + 1) * IMAGE_PIXELS);
      const found = [0, 1, 2, 3, 4].some((i) => images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS).every((v, j) => v === img[j]));
      expect(found).toBe(true);
    }
  });
});

describe('IDX files', () => {
  const bits = randomBits(7, 5);

  for (const gzip of [false, true]) {
    it(`round-trips ${gzip ? 'gzipped' : 'plain'} IDX images through a file`, async () => {
      const path = join(tempDir(), gzip ? 'x-images-idx3-ubyte.gz' : 'x-images-idx3-ubyte');
      writeFileSync(path, encodeIdxImages(bits, 7, 28, 28, { gzip }));
      const set = await loadImageSource({ kind: 'file', path });
      expect(set.count).toBe(7);
      expect(set.images).toEqual(bits);
      expect(set.name).toBe(gzip ? 'x-images-idx3-ubyte.gz' : 'x-images-idx3-ubyte');
    });
  }

  it('thresholds grey bytes at one half (128 and above is ink)', async () => {
    const grey = new Uint8Array(IMAGE_PIXELS).map((_, i) => i % 256);
    const { images } = await decodeIdxImages('g', encodeIdxImages(grey, 1, 28, 28, { bits: false }));
    for (let i = 0; i < IMAGE_PIXELS; i++) expect(images[i]).toBe(i % 256 >= 128 ? 1 : 0);
  });

  it('resizes images of another size', async () => {
    const big = new Uint8Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = bits[Math.floor(y / 2) * 28 + Math.floor(x / 2)] ? 255 : 0;
    const r = await decodeIdxImages('big', encodeIdxImages(big, 1, 56, 56, { bits: false }));
    expect([r.rows, r.cols, r.count]).toEqual([56, 56, 1]);
    expect(r.images).toEqual(bits.subarray(0, IMAGE_PIXELS));
  });

  it('names the file and the problem when the header or length is wrong', async () => {
    const good = encodeIdxImages(bits, 7);
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7]), /holds labels/],
      [Uint8Array.from([0, 0, 0x0d, 3, ...good.subarray(4)]), /0x00000d03, expected 0x00000803/],
      [good.subarray(0, good.length - 10), /needs 5504.*truncated/],
      [Uint8Array.from([...good, 1, 2]), /header does not match/],
      [Uint8Array.from([0, 0, 8, 3, 0, 0]), /truncated: its header needs 16 bytes/],
      [Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]), /not valid gzip/],
    ];
    for (const [bytes, message] of cases) {
      let caught: unknown;
      try {
        await decodeIdxImages('bad-images.idx', bytes);
      } catch (err) {
        caught = err;
      }
      expect(caught, String(message)).toBeInstanceOf(DatasetError);
      expect((caught as Error).message).toContain('bad-images.idx');
      expect((caught as Error).message).toMatch(message);
    }
  });
});

describe('PNG folders', () => {
  const bits = randomBits(4, 9);
  const image = (n: number) => bits.subarray(n * IMAGE_PIXELS, (n + 1) * IMAGE_PIXELS);

  it('imports PNGs of any size and colour, inverting light backgrounds', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'more'));
    // White on black, grey 28×28 (as MNIST).
    writeFileSync(join(dir, '1.png'), pngOf(image(0), 1, [255, 255, 255, 255], [0, 0, 0, 255]));
    // Dark blue ink on a light yellow background, 56×56: resized and inverted.
    writeFileSync(join(dir, '2.png'), pngOf(image(1), 2, [20, 20, 120, 255], [250, 240, 200, 255]));
    // Black ink on a transparent background (transparent reads as white), 84×84.
    writeFileSync(join(dir, '10.png'), pngOf(image(2), 3, [0, 0, 0, 255], [0, 0, 0, 0]));
    writeFileSync(join(dir, 'more', 'a.png'), pngOf(image(3), 1, [255, 255, 255, 255], [0, 0, 0, 255]));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeFileSync(join(dir, '._2.png'), 'AppleDouble junk'); // hidden: skipped
    const set = await loadImageFolder(dir);
    expect(set.count).toBe(4);
    // Natural order: 1.png, 2.png, 10.png, more/a.png.
    for (let n = 0; n < 4; n++) expect(set.images.subarray(n * IMAGE_PIXELS, (n + 1) * IMAGE_PIXELS)).toEqual(image(n));
    expect((await loadImageSource({ kind: 'folder', path: dir })).count).toBe(4);
  });

  it('centres a non-square image on a square of background', () => {
    // A 56×28 white image with a black 28×28 square in the middle-left… as white-on-black ink.
    const png = new PNG({ width: 56, height: 28 });
    for (let i = 0; i < 56 * 28; i++) png.data.set([0, 0, 0, 255], 4 * i);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 56; x++) if (x < 28) png.data.set([255, 255, 255, 255], 4 * (y * 56 + x));
    const out = pngToBinary('wide.png', PNG.sync.write(png), { invert: false });
    // Half the width is ink: the left half of the middle 14 rows.
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(out[y * 28 + x], `${y},${x}`).toBe(y >= 7 && y < 21 && x < 14 ? 1 : 0);
    }
  });

  it('names a corrupt PNG in a DatasetError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'good.png'), pngOf(image(0), 1, [255, 255, 255, 255], [0, 0, 0, 255]));
    const broken = pngOf(image(1), 1, [255, 255, 255, 255], [0, 0, 0, 255]);
    writeFileSync(join(dir, 'broken.png'), broken.subarray(0, broken.length - 30));
    await expect(loadImageFolder(dir)).rejects.toThrow(DatasetError);
    await expect(loadImageFolder(dir)).rejects.toThrow(/"broken\.png" cannot be read: the file is truncated/);
    const garbage = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => decodePngGrey('garbage.png', garbage)).toThrow(/garbage\.png.*cannot be read/);
    expect(() => decodePngGrey('text.png', Buffer.from('hello'))).toThrow(/text\.png.*not a PNG/);
  });

  it('gives a DatasetError for an empty folder, a folder without PNGs, or a missing one', async () => {
    const empty = tempDir();
    await expect(loadImageFolder(empty)).rejects.toThrow(DatasetError);
    await expect(loadImageFolder(empty)).rejects.toThrow(/holds no PNG images \(it is empty\)/);
    const other = tempDir();
    writeFileSync(join(other, 'digit.jpg'), 'jpeg');
    await expect(loadImageFolder(other)).rejects.toThrow(/no PNG images.*digit\.jpg/);
    await expect(loadImageFolder(join(empty, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('reads uploaded files of both kinds and refuses others by name', async () => {
    const set = await loadImageSource({
      kind: 'upload',
      files: [
        { name: 'a.png', bytes: new Uint8Array(pngOf(image(0), 1, [255, 255, 255, 255], [0, 0, 0, 255])) },
        { name: 'b.idx', bytes: new Uint8Array(encodeIdxImages(bits, 4)) },
      ],
    });
    expect(set.count).toBe(5);
    expect(set.images.subarray(IMAGE_PIXELS)).toEqual(bits);
    await expect(decodeImageFile('notes.txt', new TextEncoder().encode('hello'))).rejects.toThrow(/notes\.txt.*neither a PNG/);
  });
});

describe('encodePng and imageGrid', () => {
  it('writes a greyscale PNG that decodes back, scaled', () => {
    const bits = randomBits(1, 4);
    const png = encodePng(bits, 28, 28, 3);
    const back = PNG.sync.read(Buffer.from(png));
    expect([back.width, back.height]).toEqual([84, 84]);
    expect(pngToBinary('x.png', png, { invert: false })).toEqual(bits);
  });

  it('tiles images in a grid with gaps', () => {
    const bits = randomBits(5, 6);
    const grid = imageGrid(bits, 3, { gap: 2, gapValue: 0.5 });
    expect([grid.width, grid.height]).toEqual([3 * 28 + 4, 2 * 28 + 2]);
    // Image 4 sits in row 1, column 1.
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) expect(grid.pixels[(30 + y) * grid.width + 30 + x]).toBe(bits[4 * IMAGE_PIXELS + y * 28 + x]);
    expect(grid.pixels[28 * grid.width]).toBe(0.5);
    expect(encodePng(grid.pixels, grid.width, grid.height)).toBeInstanceOf(Uint8Array);
  });
});

describe('stochastic binarization', () => {
  it('is reproducible for a seed, and each pixel is ink as often as its grey value', () => {
    const grey = greyBytes(Array.from({ length: 256 }, (_, i) => i / 255));
    expect(Array.from(binarizeStochastic(grey, createRng(4)))).toEqual(Array.from(binarizeStochastic(grey, createRng(4))));
    expect(Array.from(binarizeStochastic(grey, createRng(4)))).not.toEqual(Array.from(binarizeStochastic(grey, createRng(5))));
    const draws = 4000;
    const ink = new Float64Array(256);
    const rng = createRng(8);
    for (let n = 0; n < draws; n++) binarizeStochastic(grey, rng).forEach((b, i) => (ink[i]! += b));
    for (let i = 0; i < 256; i++) expect(Math.abs(ink[i]! / draws - i / 255)).toBeLessThan(4 * Math.sqrt(0.25 / draws));
    expect(ink[0]).toBe(0);
    expect(ink[255]).toBe(draws);
  });

  it('the built-in digits keep their grey values: thresholded at one half they are the stored bits', () => {
    const { images, grey } = loadMnistDigits();
    expect(grey!.length).toBe(images.length);
    let disagree = 0;
    for (let i = 0; i < images.length; i++) if ((grey![i]! >= 128 ? 1 : 0) !== images[i]) disagree++;
    expect(disagree / images.length).toBeLessThan(1e-3); // only values within half a grey level of 0.5 may round across
    const mean = (a: Uint8Array, scale = 1) => a.reduce((s, v) => s + v, 0) / a.length / scale;
    const bits = binarizeStochastic(grey!.subarray(0, 500 * IMAGE_PIXELS), createRng(1));
    expect(Math.abs(mean(bits) - mean(grey!.subarray(0, 500 * IMAGE_PIXELS), 255))).toBeLessThan(2e-3);
  });

  it('a dataset splits grey values with their images, and draws stochastic batches afresh, reproducibly', () => {
    const { images, grey } = loadMnistDigits();
    const set = ImageDataset.fromImages('mnist', images, { valFraction: 0.1, seed: 3, grey });
    const plain = ImageDataset.fromImages('mnist', images, { valFraction: 0.1, seed: 3 });
    expect(Array.from(set.validation)).toEqual(Array.from(plain.validation));
    for (let i = 0; i < set.validation.length; i += 97) if (Math.abs(set.validationGrey![i]! - 127.5) > 1) expect(set.validationGrey![i]! >= 128 ? 1 : 0).toBe(set.validation[i]);
    expect(Array.from(set.batch('train', 4, createRng(2)))).toEqual(Array.from(sampleImageBatch(set.train, 4, createRng(2))));
    const a = set.batch('train', 4, createRng(2), 'stochastic');
    expect(Array.from(a)).toEqual(Array.from(set.batch('train', 4, createRng(2), 'stochastic')));
    const rng = createRng(2);
    const first = set.batch('validation', 8, rng, 'stochastic');
    expect(Array.from(first)).not.toEqual(Array.from(set.batch('validation', 8, rng, 'stochastic')));
    // Without grey values, stochastic binarization of bits is the bits themselves.
    expect(Array.from(plain.batch('train', 4, createRng(2), 'stochastic'))).toEqual(Array.from(sampleImageBatch(plain.train, 4, createRng(2))));
    expect(() => ImageDataset.fromImages('x', images, { valFraction: 0.1, grey: grey!.subarray(784) })).toThrow(DatasetError);
  });

  it('the image training config defaults to thresholding, so runs stored before the option load', () => {
    const old = ImageTrainConfig.parse({ model: { family: 'pixelcnn', channels: 16, residualBlocks: 1 }, data: { kind: 'builtin', name: 'mnist' }, steps: 10 });
    expect(old.binarization).toBe('threshold');
    expect(ImageTrainConfig.parse({ ...old, binarization: 'stochastic' }).binarization).toBe('stochastic');
    expect(() => ImageTrainConfig.parse({ ...old, binarization: 'dither' })).toThrow();
  });
});

describe('random training masks', () => {
  it('every shape leaves some pixels unknown, and the same seed gives the same mask', () => {
    for (const shape of TRAINING_MASK_SHAPES) {
      const rng = createRng(1);
      for (let n = 0; n < 50; n++) {
        const known = randomKnownMask(rng, 28, shape);
        expect(known.length).toBe(IMAGE_PIXELS);
        expect(known.some((k) => k === 0)).toBe(true);
        expect(known.every((k) => k === 0 || k === 1)).toBe(true);
      }
      expect(Array.from(randomKnownMask(createRng(9), 28, shape))).toEqual(Array.from(randomKnownMask(createRng(9), 28, shape)));
    }
    // The mix covers a wide range of masked ratios.
    const rng = createRng(5);
    const ratios = Array.from({ length: 400 }, () => randomKnownMask(rng).reduce((s, k) => s + (1 - k), 0) / IMAGE_PIXELS);
    expect(Math.min(...ratios)).toBeLessThan(0.05);
    expect(Math.max(...ratios)).toBeGreaterThan(0.9);
  });
});

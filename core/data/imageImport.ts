import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { DatasetError } from '../errors.ts';
import { decodeIdxImages, looksLikeIdx } from './idx.ts';
import { IMAGE_PIXELS, IMAGE_SIDE, MAX_IMAGES, type ImageCollection } from './imageSet.ts';
import type { ImageSource } from './imageSource.ts';
import { loadMnistDigits } from './mnistDigits.ts';
import { isPng, pngToBinary } from './pngImage.ts';
import { FileRefusal, readRegularFile } from './regularFile.ts';

export { MAX_IMAGES };
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Reads an image source into binarized 28×28 images; any unusable input raises DatasetError. */
export async function loadImageSource(source: ImageSource): Promise<ImageCollection> {
  switch (source.kind) {
    case 'builtin':
      return loadMnistDigits();
    case 'folder':
      return loadImageFolder(source.path);
    case 'file': {
      const name = basename(source.path);
      return { name, ...(await decodeImageFile(name, await readUserFile(source.path, 'image file'))) };
    }
    case 'upload': {
      const sets: { images: Uint8Array; count: number }[] = [];
      for (const f of source.files) sets.push(await decodeImageFile(f.name, f.bytes));
      const name = source.files.length === 1 ? source.files[0]!.name : `${source.files.length} files`;
      return { name, ...concatImages(sets) };
    }
  }
}

/** One file's images: a PNG (one image) or an IDX file (gzipped or not), told apart by content. */
export async function decodeImageFile(name: string, bytes: Uint8Array): Promise<{ images: Uint8Array; count: number }> {
  if (bytes.length === 0) throw new DatasetError(`the file "${name}" is empty`);
  if (isPng(bytes)) return { images: pngToBinary(name, bytes), count: 1 };
  if (looksLikeIdx(bytes)) {
    const { images, count } = await decodeIdxImages(name, bytes, IMAGE_SIDE, MAX_IMAGES);
    return { images, count };
  }
  throw new DatasetError(`the file "${name}" is neither a PNG image nor an IDX image file (gzipped or not)`);
}

/**
 * Every PNG in `folder` and its subfolders (hidden files skipped), in natural name order, each
 * converted to 28×28 bits (grey, inverted if its background is light, area-resized,
 * thresholded). A folder without PNGs, or any PNG that cannot be read, raises DatasetError.
 */
export async function loadImageFolder(folder: string): Promise<ImageCollection> {
  const info = await stat(folder).catch((err: NodeJS.ErrnoException) => {
    throw new DatasetError(`cannot open the image folder "${folder}": ${err.code === 'ENOENT' ? 'it does not exist' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  });
  if (!info.isDirectory()) throw new DatasetError(`"${folder}" is a file, not a folder: choose a folder of PNG images`);
  const pngs: string[] = [];
  const others: string[] = [];
  await collect(folder, folder, pngs, others);
  if (pngs.length === 0) {
    const hint = others.length > 0 ? ` (it holds ${others.length} other file${others.length === 1 ? '' : 's'}, such as "${others[0]}"; only PNG images are read)` : ' (it is empty)';
    throw new DatasetError(`the folder "${folder}" holds no PNG images${hint}`);
  }
  if (pngs.length > MAX_IMAGES) throw new DatasetError(`the folder "${folder}" holds ${pngs.length} PNG images; at most ${MAX_IMAGES} are supported`);
  pngs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const images = new Uint8Array(pngs.length * IMAGE_PIXELS);
  for (let i = 0; i < pngs.length; i++) {
    const rel = pngs[i]!;
    const bytes = await readUserFile(join(folder, rel), 'image');
    images.set(pngToBinary(rel, bytes), i * IMAGE_PIXELS);
  }
  return { name: basename(folder) || folder, images, count: pngs.length };
}

async function collect(root: string, dir: string, pngs: string[], others: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new DatasetError(`cannot list the folder "${dir}": ${err.code === 'EACCES' ? 'permission denied' : err.message}`);
  });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue; // .DS_Store, AppleDouble "._x.png" files, .git …
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await collect(root, path, pngs, others);
    else if (entry.isFile()) (/\.png$/i.test(entry.name) ? pngs : others).push(relative(root, path));
  }
}

async function readUserFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, { maxBytes: MAX_FILE_BYTES });
  } catch (err) {
    if (!(err instanceof FileRefusal)) throw new DatasetError(`cannot read the ${what} "${path}": ${(err as Error).message}`);
    if (err.reason === 'folder') throw new DatasetError(`"${path}" is a folder, not an ${what}`);
    if (err.reason === 'too-big') throw new DatasetError(`"${basename(path)}" is ${((err.size ?? 0) / 2 ** 20).toFixed(0)} MiB; files over 256 MiB are not supported`);
    throw new DatasetError(`cannot read the ${what} "${path}": ${err.message}`);
  }
}

function concatImages(sets: { images: Uint8Array; count: number }[]): { images: Uint8Array; count: number } {
  const count = sets.reduce((n, s) => n + s.count, 0);
  if (count > MAX_IMAGES) throw new DatasetError(`these files hold ${count} images; at most ${MAX_IMAGES} are supported`);
  const images = new Uint8Array(count * IMAGE_PIXELS);
  let offset = 0;
  for (const s of sets) {
    images.set(s.images, offset);
    offset += s.images.length;
  }
  return { images, count };
}

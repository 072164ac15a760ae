import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../data/imageSet.ts';
import { pngToBinary } from '../../data/pngImage.ts';
import type { Command } from '../command.ts';
import { drawImages } from '../drawImages.ts';
import { UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { optInt, required, str } from '../flagValues.ts';

/** A file's bytes; a file that cannot be read is a usage error naming its flag. */
async function readFlagFile(path: string, flag: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export const completeCommand: Command = {
  summary: 'complete a partly drawn image with a PixelCNN run',
  help: `Usage: ars complete --run ID --image partial.png [--known mask.png | --rows R] --samples K --out out.png [options]

Keeps the known pixels of the image and draws the others, pixel by pixel in raster order,
K times; writes the K completions side by side as a PNG and prints each one's NLL.

  --run ID            a trained pixelcnn run
  --image FILE        the partial image (PNG, any size or colour: made 28×28 black and white)
  --known FILE        a PNG mask: white where the image's pixels are known
  --rows R            known = the top R rows (default 14, when --known is not given)
  --samples K         completions to draw (default 4)
  --out FILE          the PNG to write
  --seed N            random seed (default 1)
  --method NAME       fast (default), band or naive: the same pixels, at different speeds
${STUDIO_HELP}`,
  options: {
    ...stringFlags('run', 'image', 'known', 'rows', 'samples', 'out', 'seed', 'method'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const imagePath = resolve(io.cwd, required(values, 'image', 'complete'));
    const pixels = new Uint8Array(pngToBinary(basename(imagePath), await readFlagFile(imagePath, '--image')));
    let mask: Uint8Array<ArrayBuffer>;
    const knownPath = str(values, 'known');
    if (knownPath !== undefined) {
      if (str(values, 'rows') !== undefined) throw new UsageError('give --known or --rows, not both');
      const path = resolve(io.cwd, knownPath);
      mask = new Uint8Array(pngToBinary(basename(path), await readFlagFile(path, '--known'), { invert: false }));
    } else {
      const rows = optInt(values, 'rows') ?? 14;
      if (rows < 0 || rows > IMAGE_SIDE) throw new UsageError(`--rows must be between 0 and ${IMAGE_SIDE}`);
      mask = new Uint8Array(IMAGE_PIXELS).fill(1, 0, rows * IMAGE_SIDE);
    }
    return drawImages(values, io, 'complete', { values: pixels, mask });
  },
};

import { basename, resolve } from 'node:path';
import { IMAGE_PIXELS, IMAGE_SIDE } from '../../data/imageSet.ts';
import { pngToBinary } from '../../data/pngImage.ts';
import type { Command } from '../command.ts';
import { checkImageFlags, drawImages } from '../drawImages.ts';
import { UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { checkRange, optInt, required, str } from '../flagValues.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import { readUserFile } from '../userFiles.ts';

export const completeCommand: Command = {
  summary: 'complete a partly drawn image with a PixelCNN run',
  help: `Usage: ars complete --run RUN --image partial.png [--known mask.png | --rows R] --samples K --out out.png [options]

Keeps the known pixels of the image and draws the others, pixel by pixel in raster order,
K times; writes the K completions side by side as a PNG and prints each one's NLL.

  --run RUN           a trained pixelcnn run: ${RUN_REF_HELP}
  --image FILE        the partial image (PNG, any size or colour: made 28×28 black and white)
  --known FILE        a PNG mask: white where the image's pixels are known
  --rows R            known = the top R rows (default 14, when --known is not given)
  --samples K         completions to draw (default 4)
  --out FILE          the PNG to write
  --seed N            random seed (default 1)
  --temperature X     below 1 sharper, above 1 noisier (default 1)
  --method NAME       fast (default), band or naive: the same pixels, at different speeds
${STUDIO_HELP}`,
  options: {
    ...stringFlags('run', 'image', 'known', 'rows', 'samples', 'out', 'seed', 'method', 'temperature'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const ref = required(values, 'run', 'complete');
    const imagePath = resolve(io.cwd, required(values, 'image', 'complete'));
    checkImageFlags(values, 'complete');
    const knownPath = str(values, 'known');
    if (knownPath !== undefined && str(values, 'rows') !== undefined) throw new UsageError('give --known or --rows, not both');
    const rows = checkRange('rows', optInt(values, 'rows') ?? 14, 0, IMAGE_SIDE);
    const pixels = new Uint8Array(pngToBinary(basename(imagePath), await readUserFile(imagePath, '--image')));
    let mask: Uint8Array<ArrayBuffer>;
    if (knownPath !== undefined) {
      const path = resolve(io.cwd, knownPath);
      mask = new Uint8Array(pngToBinary(basename(path), await readUserFile(path, '--known'), { invert: false }));
    } else {
      mask = new Uint8Array(IMAGE_PIXELS).fill(1, 0, rows * IMAGE_SIDE);
    }
    return withClient(values, io, async (client) => {
      const run = await resolveRun(client, ref, '--run', 'pixelcnn');
      return drawImages(client, run.id, values, io, 'complete', { values: pixels, mask });
    });
  },
};

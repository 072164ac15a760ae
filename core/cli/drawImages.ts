import { resolve } from 'node:path';
import { imageGrid } from '../data/imageSet.ts';
import { encodePng } from '../data/pngImage.ts';
import { PixelSampleOptions, type PixelSampleOptionsInput } from '../generate/pixelcnnOptions.ts';
import type { WorkerClient } from '../protocol/client.ts';
import type { JobEvent } from '../protocol/messages.ts';
import { followJob, jobExitStatus } from './followJob.ts';
import type { Values } from './flags.ts';
import { checkAgainst, defined, optInt, optNumber, required, str } from './flagValues.ts';
import { formatDuration } from './format.ts';
import { writeJson, type CliIo } from './io.ts';
import { writeUserFile } from './userFiles.ts';

type ImagesEvent = Extract<JobEvent, { kind: 'images' }>;

function pixelOptions(values: Values): PixelSampleOptionsInput {
  const options: PixelSampleOptionsInput = defined({
    samples: optInt(values, 'samples'),
    seed: optInt(values, 'seed'),
    method: str(values, 'method') as PixelSampleOptionsInput['method'],
    temperature: optNumber(values, 'temperature'),
  });
  checkAgainst(PixelSampleOptions, options, { samples: '--samples', seed: '--seed', method: '--method', temperature: '--temperature' });
  return options;
}

/** The flags drawImages reads (besides --run and the Studio's): check them before opening the Studio. */
export function checkImageFlags(values: Values, command: string): void {
  required(values, 'out', command);
  pixelOptions(values);
}

/**
 * Runs one PixelCNN sampling job (`sample` of a PixelCNN run, or `complete` with the known
 * pixels) and writes its K images side by side to --out.
 */
export async function drawImages(
  client: WorkerClient,
  runId: string,
  values: Values,
  io: CliIo,
  command: string,
  known?: { values: Uint8Array<ArrayBuffer>; mask: Uint8Array<ArrayBuffer> },
): Promise<number> {
  const out = resolve(io.cwd, required(values, 'out', command));
  const options = pixelOptions(values);
  let result: ImagesEvent | null = null;
  let drawn = 0;
  const outcome = await followJob(
    client,
    () => client.request('image.sample.start', known ? { runId, options, known } : { runId, options }),
    io,
    (e) => {
      if (e.kind === 'pixel' && values.json !== true && io.stderr.isTTY && ++drawn % 28 === 0) io.stderr.write(`\rpixel ${e.index + 1}/784\x1b[K`);
      if (e.kind === 'images') result = e;
    },
  );
  if (drawn >= 28) io.stderr.write('\n');
  const images = result as ImagesEvent | null;
  if (!images && outcome.reason === 'cancelled') {
    io.stderr.write(`cancelled: nothing written to ${out}\n`);
    return jobExitStatus(outcome);
  }
  if (!images) throw new Error('the sampling job ended without images');
  const grid = imageGrid(images.images, images.samples, { gap: 2, gapValue: 0.5 });
  await writeUserFile(out, encodePng(grid.pixels, grid.width, grid.height, 4), '--out');
  if (values.json === true) writeJson(io, { runId, out, samples: images.samples, nll: images.nll, bitsPerDim: images.bitsPerDim, method: images.method, elapsedMs: images.elapsedMs, backend: outcome.summary.backend, state: outcome.reason });
  else {
    io.stdout.write(`wrote ${images.samples} image${images.samples === 1 ? '' : 's'} to ${out} (${formatDuration(images.elapsedMs / 1000)}, ${images.method}, on ${String(outcome.summary.backend)})\n`);
    images.nll.forEach((nll, k) => io.stdout.write(`  #${k + 1}: NLL ${nll.toFixed(1)} nats (${images.bitsPerDim[k]!.toFixed(3)} bits/pixel)\n`));
  }
  return jobExitStatus(outcome);
}

import { basename, resolve } from 'node:path';
import { IMAGE_PIXELS, IMAGE_SIDE, ImageDataset, imageGrid } from '../../data/imageSet.ts';
import { encodePng } from '../../data/pngImage.ts';
import { loadMnistDigits } from '../../data/mnistDigits.ts';
import { pngToBinary } from '../../data/pngImage.ts';
import { ImageRaceOptions, type ImageRaceOptionsInput } from '../../generate/imageRaceOptions.ts';
import { DEFAULT_CHOICE_NOISE } from '../../generate/pixelcnnOptions.ts';
import type { WorkerClient } from '../../protocol/client.ts';
import type { ImageRaceLaneResult, JobEvent } from '../../protocol/messages.ts';
import type { Command } from '../command.ts';
import { UsageError, UserError } from '../exitStatus.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { checkAgainst, checkRange, defined, optInt, optNumber, required, str } from '../flagValues.ts';
import { writeJson } from '../io.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import { readUserFile, writeUserFile } from '../userFiles.ts';

type LaneEvent = Extract<JobEvent, { kind: 'image-race-lane' }>;

/** The held-out digit `index` of the bundled digits, as the PixelCNN run split them (its valFraction and seed). */
async function heldOutDigit(client: WorkerClient, runId: string, index: number): Promise<Uint8Array<ArrayBuffer>> {
  const run = await client.request('runs.get', { runId });
  const config = run.config as { valFraction?: number; seed?: number };
  const digits = loadMnistDigits();
  const split = ImageDataset.fromImages(digits.name, digits.images, { valFraction: config.valFraction ?? 0.1, seed: config.seed ?? 1 });
  if (index >= split.validationCount) throw new UserError(`--digit: the held-out split has ${split.validationCount} digits (0 … ${split.validationCount - 1})`);
  return new Uint8Array(split.validation.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS));
}

function formatLanes(lanes: readonly ImageRaceLaneResult[]): string {
  const rows = lanes.map((l) => [l.label, String(l.passes), `${l.wallMs.toFixed(0)} ms`, l.nll.toFixed(1)]);
  const header = ['lane', 'passes', 'wall', 'NLL (nats/image, under the PixelCNN)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export const raceImageCommand: Command = {
  summary: 'complete one image K ways with a PixelCNN and a masked image model, side by side',
  help: `Usage: ars race-image --ar RUN --nar RUN (--image partial.png | --digit N) [--rows R] [options]

Keeps the top R rows of the image and completes the rest K times with each of three lanes: the
PixelCNN (pixel by pixel, raster order, its fast path), the masked image model in one pass
(T=1), and the masked model by mask-predict in T passes. Every lane is warmed up before its
clock starts and timed on its own. Prints each lane's sequential passes, wall time and the
completions' NLL under the PixelCNN (nats per image, mean over the K samples).

  --ar RUN            a trained pixelcnn run: ${RUN_REF_HELP}
  --nar RUN           a trained masked-image run: ${RUN_REF_HELP}
  --image FILE        the partial image (PNG, any size or colour: made 28×28 black and white)
  --digit N           or: held-out digit N of the bundled digits (as the --ar run split them)
  --rows R            known = the top R rows (default 14)
  --samples K         completions per lane (default 4)
  --iterations T      the mask-predict lane's passes (default 8)
  --seed N            random seed (default 1)
  --temperature X     below 1 sharper, above 1 noisier (default 1)
  --choice-noise X    the mask-predict lane's choice noise: Gumbel noise on the confidence that picks
                      the pixels to mask again, fading to none by the last pass (MaskGIT's choice
                      temperature; default ${DEFAULT_CHOICE_NOISE}; 0: the least confident, which commits background first)
  --out FILE          also write the completions as a PNG: one row per lane
${STUDIO_HELP}

With --json: { "arRunId", "narRunId", "lanes": [ { "lane", "label", "passes", "wallMs", "nll", "nlls" } ], "state" }.`,
  options: {
    ...stringFlags('ar', 'nar', 'image', 'digit', 'rows', 'samples', 'iterations', 'seed', 'temperature', 'choice-noise', 'out'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const arRef = required(values, 'ar', 'race-image');
    const narRef = required(values, 'nar', 'race-image');
    const imageFlag = str(values, 'image');
    const digit = optInt(values, 'digit');
    if ((imageFlag === undefined) === (digit === undefined)) throw new UsageError('give --image FILE or --digit N (one of them)');
    if (digit !== undefined) checkRange('digit', digit, 0);
    const rows = checkRange('rows', optInt(values, 'rows') ?? 14, 0, IMAGE_SIDE);
    const options: ImageRaceOptionsInput = defined({
      samples: optInt(values, 'samples'),
      iterations: optInt(values, 'iterations'),
      seed: optInt(values, 'seed'),
      temperature: optNumber(values, 'temperature'),
      choiceNoise: optNumber(values, 'choice-noise'),
    });
    checkAgainst(ImageRaceOptions, options, { samples: '--samples', iterations: '--iterations', seed: '--seed', temperature: '--temperature', choiceNoise: '--choice-noise' });
    const out = str(values, 'out');
    let pixels: Uint8Array<ArrayBuffer> | null = null;
    if (imageFlag !== undefined) {
      const imagePath = resolve(io.cwd, imageFlag);
      pixels = new Uint8Array(pngToBinary(basename(imagePath), await readUserFile(imagePath, '--image')));
    }
    return withClient(values, io, async (client) => {
      const ar = await resolveRun(client, arRef, '--ar', 'pixelcnn');
      const nar = await resolveRun(client, narRef, '--nar', 'masked-image');
      const image = pixels ?? (await heldOutDigit(client, ar.id, digit!));
      const mask = new Uint8Array(IMAGE_PIXELS).fill(1, 0, rows * IMAGE_SIDE);
      const values01 = new Uint8Array(IMAGE_PIXELS);
      for (let i = 0; i < IMAGE_PIXELS; i++) values01[i] = mask[i] ? image[i]! : 0;
      const laneEvents: LaneEvent[] = [];
      let lanes: ImageRaceLaneResult[] = [];
      const outcome = await followJob(
        client,
        () => client.request('images.race', { arRunId: ar.id, narRunId: nar.id, options, known: { values: values01, mask } }),
        io,
        (e) => {
          if (e.kind === 'image-race-lane') {
            laneEvents.push(e);
            if (values.json !== true && io.stderr.isTTY) io.stderr.write(`${e.label}: done\n`);
          }
          if (e.kind === 'image-race-results') lanes = e.lanes;
        },
      );
      if (out !== undefined && laneEvents.length > 0) {
        const K = laneEvents[0]!.images.length / IMAGE_PIXELS;
        const all = new Uint8Array(laneEvents.length * K * IMAGE_PIXELS);
        laneEvents.forEach((l, i) => all.set(l.images, i * K * IMAGE_PIXELS));
        const grid = imageGrid(all, K, { gap: 2, gapValue: 0.5 });
        await writeUserFile(resolve(io.cwd, out), encodePng(grid.pixels, grid.width, grid.height, 4), '--out');
      }
      if (values.json === true) writeJson(io, { arRunId: ar.id, narRunId: nar.id, lanes, state: outcome.reason });
      else io.stdout.write(`${formatLanes(lanes)}\n`);
      return jobExitStatus(outcome);
    });
  },
};

/**
 * The Image lab's image race, pure: the request the form describes, and each lane's K
 * completions as they arrive (frames, then the lane's figures), as pictures. No runes.
 */
import { Methods, type ImageRaceLaneResult, type JobEvent, type ParamsOf } from '../../../core/protocol/messages.ts';
import { IMAGE_RACE_LANE_IDS, type ImageRaceLaneId } from '../../../core/protocol/schemas.ts';
import { translate } from './i18n/translate.ts';
import { issueSentence, type KnownInput } from './imageForm.ts';
import { indicesToRgba, KNOWN_INK, PAPER, PENDING, SAMPLED_INK, type SampleColours } from './pixelSamples.ts';

const PIXELS = 784;

export type ImageRaceParams = ParamsOf<'images.race'>;

export interface ImageRaceForm {
  samples: number;
  iterations: number;
  seed: number;
  /** The mask-predict lane's choice noise (DEFAULT_CHOICE_NOISE). */
  choiceNoise: number;
}

/** The race request, checked against the protocol's schema. */
export function imageRaceParams(
  arRunId: string | null,
  narRunId: string | null,
  f: ImageRaceForm,
  known: KnownInput,
): { ok: true; params: ImageRaceParams } | { ok: false; message: string } {
  if (!arRunId) return { ok: false, message: translate('imageForm.raceNeedsAr') };
  if (!narRunId) return { ok: false, message: translate('imageForm.raceNeedsNar') };
  if (known.mask.every((m) => m)) return { ok: false, message: translate('imageForm.raceAllKnown') };
  const params: ImageRaceParams = { arRunId, narRunId, options: { samples: f.samples, iterations: f.iterations, seed: f.seed, choiceNoise: f.choiceNoise }, known };
  const checked = Methods['images.race'].params.safeParse(params);
  if (!checked.success) return { ok: false, message: issueSentence(checked.error.issues[0], Methods['images.race'].params, params) };
  return { ok: true, params };
}

/** One lane as the screen shows it: its K images so far and, once it ends, its figures. */
export interface RaceLaneView {
  lane: ImageRaceLaneId;
  label: string;
  /** K × 784 bits. */
  images: Uint8Array;
  /** K × 784: 1 where a pixel is not final yet. */
  pending: Uint8Array;
  passes: number;
  laneMs: number;
  result: ImageRaceLaneResult | null;
}

/** The lanes before anything is drawn: the known pixels set, every other pixel pending. */
export function newRaceLanes(samples: number, iterations: number, known: KnownInput): RaceLaneView[] {
  return IMAGE_RACE_LANE_IDS.map((lane) => {
    const images = new Uint8Array(samples * PIXELS);
    const pending = new Uint8Array(samples * PIXELS);
    for (let k = 0; k < samples; k++) {
      for (let i = 0; i < PIXELS; i++) {
        images[k * PIXELS + i] = known.mask[i] ? known.values[i]! : 0;
        pending[k * PIXELS + i] = known.mask[i] ? 0 : 1;
      }
    }
    return { lane, label: translate(`imageRace.lanes.${lane}`, { t: iterations }), images, pending, passes: 0, laneMs: 0, result: null };
  });
}

/** Applies a race event to the lanes; true when something changed. */
export function applyRaceEvent(lanes: RaceLaneView[], e: JobEvent): boolean {
  if (e.kind === 'image-race-frame') {
    const l = lanes.find((x) => x.lane === e.lane);
    if (!l) return false;
    l.images = e.images;
    l.pending = e.pending;
    l.passes = e.passes;
    l.laneMs = e.laneMs;
    return true;
  }
  if (e.kind === 'image-race-lane') {
    const l = lanes.find((x) => x.lane === e.lane);
    if (!l) return false;
    const { kind: _kind, images, ...result } = e;
    l.images = images;
    l.pending = new Uint8Array(images.length);
    l.passes = result.passes;
    l.laneMs = result.wallMs;
    l.result = result;
    return true;
  }
  return false;
}

/** Sample `k` of a lane as RGBA: known ink, the model's ink, paper, and pixels still to come. */
export function raceSampleRgba(l: Pick<RaceLaneView, 'images' | 'pending'>, known: Uint8Array, k: number, colours: SampleColours): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const j = k * PIXELS + i;
    const v = l.images[j];
    if (known[i]) out[i] = v ? KNOWN_INK : PAPER;
    else if (l.pending[j]) out[i] = PENDING;
    else out[i] = v ? SAMPLED_INK : PAPER;
  }
  return indicesToRgba(out, colours.cells);
}

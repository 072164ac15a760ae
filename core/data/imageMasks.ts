import type { Rng } from '../rng.ts';
import { IMAGE_SIDE } from './imageSet.ts';

/**
 * Random "known pixel" masks for training a masked image model: 1 where a pixel is known, 0
 * where the model must predict it. Each mask is one shape, chosen at random:
 * - rows: the top r rows known (r from 0 to side − 1), as when a drawing is completed downwards;
 * - block: a random rectangle unknown, the rest known;
 * - strokes: a few thick random walks unknown, the rest known;
 * - pixels: every pixel unknown with one random ratio.
 * Then, half the time, only a random part of the unknown region stays unknown (each pixel with
 * probability cos(π/2 · u), u uniform, MaskGIT's schedule), as in the later passes of
 * mask-predict completion. Every mask leaves at least one pixel unknown.
 */
export const TRAINING_MASK_SHAPES = ['rows', 'block', 'strokes', 'pixels'] as const;
export type TrainingMaskShape = (typeof TRAINING_MASK_SHAPES)[number];

/** One known-mask (side² bytes of 0/1) drawn with `rng`. */
export function randomKnownMask(rng: Rng, side = IMAGE_SIDE, shape?: TrainingMaskShape): Uint8Array {
  const P = side * side;
  const known = new Uint8Array(P).fill(1);
  const int = (n: number) => Math.floor(rng.next() * n);
  switch (shape ?? TRAINING_MASK_SHAPES[int(TRAINING_MASK_SHAPES.length)]!) {
    case 'rows': {
      const rows = int(side);
      known.fill(0, rows * side);
      break;
    }
    case 'block': {
      const h = 1 + int(side);
      const w = 1 + int(side);
      const top = int(side - h + 1);
      const left = int(side - w + 1);
      for (let y = top; y < top + h; y++) known.fill(0, y * side + left, y * side + left + w);
      break;
    }
    case 'strokes': {
      const strokes = 1 + int(4);
      for (let s = 0; s < strokes; s++) {
        let y = int(side);
        let x = int(side);
        const radius = 1 + int(3);
        let angle = rng.next() * 2 * Math.PI;
        const steps = 10 + int(3 * side);
        for (let t = 0; t < steps; t++) {
          for (let dy = -radius + 1; dy < radius; dy++) {
            for (let dx = -radius + 1; dx < radius; dx++) {
              const yy = Math.round(y) + dy;
              const xx = Math.round(x) + dx;
              if (yy >= 0 && yy < side && xx >= 0 && xx < side) known[yy * side + xx] = 0;
            }
          }
          angle += (rng.next() - 0.5) * 1.2;
          y = Math.min(side - 1, Math.max(0, y + Math.sin(angle)));
          x = Math.min(side - 1, Math.max(0, x + Math.cos(angle)));
        }
      }
      break;
    }
    case 'pixels': {
      const ratio = rng.next();
      for (let i = 0; i < P; i++) if (rng.next() < ratio) known[i] = 0;
      break;
    }
  }
  if (rng.next() < 0.5) {
    const keep = Math.cos((Math.PI / 2) * rng.next());
    for (let i = 0; i < P; i++) if (!known[i] && rng.next() >= keep) known[i] = 1;
  }
  if (known.every((v) => v === 1)) known[int(P)] = 0;
  return known;
}

/** `count` known-masks, one after another (count × side² bytes). */
export function randomKnownMasks(count: number, rng: Rng, side = IMAGE_SIDE): Uint8Array {
  const out = new Uint8Array(count * side * side);
  for (let n = 0; n < count; n++) out.set(randomKnownMask(rng, side), n * side * side);
  return out;
}

/**
 * previews.jsonl: what a run's model wrote after each validation while it trained — a line of
 * text, or a few images (their bits packed 8 to a byte, base64) — so the run can be replayed.
 */

/** One stored preview, as it is kept on disk. */
export interface PreviewLine {
  step: number;
  time: number;
  text?: string;
  /** Images in `images`. */
  samples?: number;
  /** samples × 784 bits, packed (most significant bit first), base64. */
  images?: string;
}

/** A preview as the rest of the app sees it. */
export type RunPreview = { step: number; text: string } | { step: number; samples: number; images: Uint8Array };

/** 0/1 bytes → bits, 8 to a byte, most significant first. */
export function packBits(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

export function unpackBits(packed: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count && i >> 3 < packed.length; i++) out[i] = (packed[i >> 3]! >> (7 - (i & 7))) & 1;
  return out;
}

export function previewLine(preview: RunPreview, time = Date.now()): PreviewLine {
  if ('text' in preview) return { step: preview.step, time, text: preview.text };
  return { step: preview.step, time, samples: preview.samples, images: Buffer.from(packBits(preview.images)).toString('base64') };
}

/** The preview a stored line holds; null for a line that is not one (damaged, or from elsewhere). */
export function readPreviewLine(line: unknown, side = 28): RunPreview | null {
  if (typeof line !== 'object' || line === null) return null;
  const { step, text, samples, images } = line as PreviewLine;
  if (!Number.isInteger(step)) return null;
  if (typeof text === 'string') return { step, text };
  if (Number.isInteger(samples) && samples! > 0 && samples! <= 64 && typeof images === 'string') {
    const count = samples! * side * side;
    const packed = new Uint8Array(Buffer.from(images, 'base64'));
    if (packed.length !== Math.ceil(count / 8)) return null;
    return { step, samples: samples!, images: unpackBits(packed, count) };
  }
  return null;
}

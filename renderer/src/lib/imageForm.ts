/**
 * The Image lab's forms, turned into protocol requests: image model training (PixelCNN or
 * masked image model) and PixelCNN sampling. Pure (no runes); the checks are the protocol's own schemas, with field names a
 * person reads.
 */
import type { z } from 'zod';
import { Methods, type ParamsOf } from '../../../core/protocol/messages.ts';
import { DEFAULT_MASKED_IMAGE_CONFIG, ImageModelConfig } from '../../../core/protocol/schemas.ts';
import { issueMessage, schemaAt } from '../../../core/protocol/validationMessages.ts';
import { numberText, translate } from './i18n/translate.ts';
import { fieldLabel, validationText } from './i18n/validation.ts';

/** Where the training images come from: the built-in digits or the files the person opened. */
export type ImageDataChoice = 'mnist' | 'upload';

/** Which image model the form trains: the PixelCNN (autoregressive) or the masked image model (non-autoregressive). */
export type ImageModelFamilyChoice = 'pixelcnn' | 'masked-image';
/** How grey images become bits: cut at one half, or drawn afresh each time (stochastic). */
export type BinarizationChoice = 'threshold' | 'stochastic';

export interface ImageTrainForm {
  name: string;
  data: ImageDataChoice;
  family: ImageModelFamilyChoice;
  binarization: BinarizationChoice;
  channels: number;
  residualBlocks: number;
  hiddenOut: number;
  steps: number;
  batch: number;
  lr: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
  seed: number;
}

export interface UploadedFile {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
}

export type ImageTrainParams = ParamsOf<'image.train.start'>;
export type ImageSourceInput = ImageTrainParams['config']['data'];
export type PixelSampleParams = ParamsOf<'image.sample.start'>;

/** The most bytes of opened files sent in one request (web mode carries at most 80 MiB a message). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/**
 * "Channels: enter a whole number from 2 to 512" from a zod issue (core/protocol/validationMessages.ts
 * words it); `schema` and `value` (what was checked) let it state the field's whole range.
 */
export function issueSentence(issue: z.core.$ZodIssue | undefined, schema?: z.ZodType, value?: unknown): string {
  const T = validationText();
  if (!issue) return T.field(T.settings, T.cannotUse);
  const key = String(issue.path.filter((p) => typeof p === 'string').at(-1) ?? '');
  return issueMessage(issue, fieldLabel(key) ?? (key || T.settings), schema ? schemaAt(schema, issue.path, value) : undefined, T);
}

type ModelFields = Pick<ImageTrainForm, 'channels' | 'residualBlocks' | 'hiddenOut'> & Partial<Pick<ImageTrainForm, 'family'>>;

/** The image model the form describes (a PixelCNN where no family is chosen); the masked model keeps its default dilations. */
export function pixelCnnChoice(f: ModelFields): z.input<typeof ImageModelConfig> {
  if (f.family === 'masked-image') return { family: 'masked-image', channels: f.channels, dilations: [...DEFAULT_MASKED_IMAGE_CONFIG.dilations], hiddenOut: f.hiddenOut };
  return { family: 'pixelcnn', channels: f.channels, residualBlocks: f.residualBlocks, hiddenOut: f.hiddenOut };
}

/** Everything wrong with the model fields, as sentences (empty when nothing is). */
export function pixelCnnProblems(f: ModelFields): string[] {
  const parsed = ImageModelConfig.safeParse(pixelCnnChoice(f));
  return parsed.success ? [] : [...new Set(parsed.error.issues.map((i) => issueSentence(i, ImageModelConfig, pixelCnnChoice(f))))];
}

/** The image source of the form: the built-in digits, or the opened files. */
export function imageSource(data: ImageDataChoice, files: readonly UploadedFile[]): { ok: true; source: ImageSourceInput } | { ok: false; message: string } {
  if (data === 'mnist') return { ok: true, source: { kind: 'builtin', name: 'mnist' } };
  if (files.length === 0) return { ok: false, message: translate('imageForm.openFirst') };
  const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  if (bytes > MAX_UPLOAD_BYTES) {
    return { ok: false, message: translate('imageForm.tooBig', { size: (bytes / 1024 / 1024).toFixed(0), max: MAX_UPLOAD_BYTES / 1024 / 1024 }) };
  }
  return { ok: true, source: { kind: 'upload', files: files.map((f) => ({ name: f.name, bytes: f.bytes })) } };
}

/** The training request the form describes, checked against the protocol's schema. */
export function imageTrainParams(f: ImageTrainForm, files: readonly UploadedFile[]): { ok: true; params: ImageTrainParams } | { ok: false; message: string } {
  const source = imageSource(f.data, files);
  if (!source.ok) return source;
  const problems = pixelCnnProblems(f);
  if (problems.length) return { ok: false, message: problems[0]! };
  const params: ImageTrainParams = {
    name: f.name.trim() || undefined,
    config: {
      model: pixelCnnChoice(f),
      data: source.source,
      steps: f.steps,
      batch: f.batch,
      lr: f.lr,
      evalEvery: f.evalEvery,
      evalBatches: f.evalBatches,
      checkpointEvery: f.checkpointEvery,
      seed: f.seed,
      ...(f.binarization ? { binarization: f.binarization } : {}),
    },
  };
  const checked = Methods['image.train.start'].params.safeParse(params);
  if (!checked.success) return { ok: false, message: issueSentence(checked.error.issues[0], Methods['image.train.start'].params, params) };
  return { ok: true, params };
}

/** Known pixels as the protocol carries them: values and mask, 784 each. */
export interface KnownInput {
  values: Uint8Array<ArrayBuffer>;
  mask: Uint8Array<ArrayBuffer>;
}

export interface PixelSampleForm {
  samples: number;
  seed: number;
  method: 'fast' | 'naive' | 'band';
  temperature: number;
}

/** The sampling request (known pixels or none), checked against the protocol's schema; K at most `maxSamples`. */
export function pixelSampleParams(
  runId: string | null,
  f: PixelSampleForm,
  known: KnownInput | null,
  maxSamples: number,
): { ok: true; params: PixelSampleParams } | { ok: false; message: string } {
  if (!runId) return { ok: false, message: translate('imageForm.pickFirst') };
  if (!Number.isInteger(f.samples) || f.samples < 1 || f.samples > maxSamples) return { ok: false, message: translate('imageForm.samplesRange', { label: translate('fields.samples'), max: maxSamples }) };
  const params: PixelSampleParams = {
    runId,
    options: { samples: f.samples, seed: f.seed, method: f.method, temperature: f.temperature },
    ...(known ? { known: { values: known.values, mask: known.mask } } : {}),
  };
  const checked = Methods['image.sample.start'].params.safeParse(params);
  if (!checked.success) return { ok: false, message: issueSentence(checked.error.issues[0], Methods['image.sample.start'].params, params) };
  return { ok: true, params };
}

/**
 * "412.3 nats · 0.759 bits/dim" (bits to `bitDigits` places), or a dash; with `dashBits`, a
 * missing bits figure shows as "— bits/dim" instead of leaving it out.
 */
export function nllLabel(nats: number | null | undefined, bitsPerDim?: number | null, bitDigits = 3, dashBits = false): string {
  if (nats == null || !Number.isFinite(nats)) return '—';
  const n = numberText(nats, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
  const hasBits = bitsPerDim != null && Number.isFinite(bitsPerDim);
  if (!hasBits && !dashBits) return translate('imageForm.nll', { nats: n });
  const bits = hasBits ? numberText(bitsPerDim, { minimumFractionDigits: bitDigits, maximumFractionDigits: bitDigits, useGrouping: false }) : '—';
  return translate('imageForm.nllBits', { nats: n, bits });
}

/**
 * The renderer's error and validation texts in one place (a translation pass finds them here),
 * and the schema of every numeric field the forms check where it stands. The wording of a
 * schema's issues comes from core/protocol/validationMessages.ts.
 */
import type { z } from 'zod';
import { Methods, type MethodName } from '../../../core/protocol/messages.ts';
import { firstProblem, issueMessage, schemaAt } from '../../../core/protocol/validationMessages.ts';

/** The schema of one field of a method's params, by its dotted path (`context` picks a union's option). */
export function fieldSchema(method: MethodName, path: string, context: unknown = {}): z.ZodType | undefined {
  return schemaAt(Methods[method].params as z.ZodType, path.split('.'), context);
}

/** What is wrong with one field's value under its schema, as a sentence naming the field, or null. */
export function fieldProblem(schema: z.ZodType | undefined, value: unknown, label: string): string | null {
  if (!schema) return null;
  return firstProblem(schema, value, { '': label });
}

/** The fields' names as the forms show them, by the key of the protocol's params. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  steps: 'Steps',
  batch: 'Batch',
  seq: 'Sequence',
  lr: 'Learning rate',
  evalEvery: 'Evaluate every',
  evalBatches: 'Validation batches',
  checkpointEvery: 'Checkpoint every',
  seed: 'Seed',
  name: 'Run name',
  cell: 'Cell',
  embedding: 'Embedding',
  hidden: 'Hidden',
  layers: 'Layers',
  dModel: 'd_model',
  heads: 'Heads',
  ffn: 'FFN width',
  context: 'Context',
  dropout: 'Dropout',
  channels: 'Channels',
  residualBlocks: 'Residual blocks',
  hiddenOut: 'Output width',
  prompt: 'Prompt',
  length: 'Length',
  temperature: 'Temperature',
  topK: 'Top-k',
  topP: 'Top-p',
  iterations: 'Iterations (T)',
  draft: 'Draft K',
  samples: 'Samples (K)',
  lanes: 'Lanes',
  lengths: 'Lengths',
  bytes: 'File',
  files: 'Files',
};

/**
 * The first problem of a method's params, as a sentence naming the field the way the form does
 * ("Steps: enter a whole number from 1 to 10,000,000"), or null when they pass.
 */
export function paramsProblem(method: MethodName, params: unknown, labels: Readonly<Record<string, string>> = {}): string | null {
  const schema = Methods[method].params as z.ZodType;
  const parsed = schema.safeParse(params);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path.filter((p) => typeof p === 'string').at(-1) ?? '');
  const label = labels[key] ?? FIELD_LABELS[key] ?? (key || 'Settings');
  return issueMessage(issue, label, schemaAt(schema, issue.path, params));
}

/** A form model's schemas, by family (the ranges differ: an RNN has 1–3 layers, a Transformer 1–24). */
export function textModelField(family: string, key: string): z.ZodType | undefined {
  return fieldSchema('train.start', `config.model.${key}`, { config: { model: { family } } });
}

export const UI_TEXT = {
  noCheckpoint: 'no checkpoint yet',
  noCheckpointTraining: (step: number, total: number) => `training, step ${step.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}, no checkpoint yet`,
  notSampleableReason: (why: string) => `This run cannot be sampled yet (${why}): sampling needs a checkpoint. Pick another run or wait for its first checkpoint.`,
  trainFirst: 'Train a text model first: no run has a checkpoint yet.',
  pairTraining: (what: string) => `The race waits for “Train a pair” to finish (${what}).`,
  uploadRefused: (name: string) => `“${name}” cannot be used`,
  checkingUpload: (name: string) => `Checking “${name}”…`,
} as const;

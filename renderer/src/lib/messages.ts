/**
 * The renderer's validation texts: the schema of every numeric field the forms check where it
 * stands, and a schema's issues as sentences in the app's language. The composition comes from
 * core/protocol/validationMessages.ts; the words from i18n (en.ts/zh.ts, through i18n/validation.ts).
 */
import type { z } from 'zod';
import { Methods, type MethodName } from '../../../core/protocol/messages.ts';
import { describeRange, firstProblem, issueMessage, schemaAt, type NumberRange } from '../../../core/protocol/validationMessages.ts';
import { fieldLabel, validationText } from './i18n/validation.ts';

/** The schema of one field of a method's params, by its dotted path (`context` picks a union's option). */
export function fieldSchema(method: MethodName, path: string, context: unknown = {}): z.ZodType | undefined {
  return schemaAt(Methods[method].params as z.ZodType, path.split('.'), context);
}

/** What is wrong with one field's value under its schema, as a sentence naming the field, or null. */
export function fieldProblem(schema: z.ZodType | undefined, value: unknown, label: string): string | null {
  if (!schema) return null;
  return firstProblem(schema, value, { '': label }, validationText());
}

/** "Samples (K): enter a whole number from 1 to 8": a field whose range the form itself sets. */
export function rangeProblem(label: string, range: NumberRange): string {
  const T = validationText();
  return T.field(label, T.enter(describeRange(range, T)));
}

/**
 * The first problem of a method's params, as a sentence naming the field the way the form does
 * ("Steps: enter a whole number from 1 to 10,000,000"), or null when they pass.
 */
export function paramsProblem(method: MethodName, params: unknown): string | null {
  const schema = Methods[method].params as z.ZodType;
  const parsed = schema.safeParse(params);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  const T = validationText();
  const key = String(issue.path.filter((p) => typeof p === 'string').at(-1) ?? '');
  const label = fieldLabel(key) ?? (key || T.settings);
  return issueMessage(issue, label, schemaAt(schema, issue.path, params), T);
}

/** A form model's schemas, by family (the ranges differ: an RNN has 1–3 layers, a Transformer 1–24). */
export function textModelField(family: string, key: string): z.ZodType | undefined {
  return fieldSchema('train.start', `config.model.${key}`, { config: { model: { family } } });
}

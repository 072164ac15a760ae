/**
 * Validation and error messages written for people, in one place (a translation pass finds them
 * here). The forms check their fields with the protocol's own zod schemas; this module turns a
 * schema's issues into sentences that name the field and say what it takes ("Steps: enter a
 * whole number from 1 to 10,000,000"), never zod's own wording. It also gives the worker's error
 * codes a human lead-in, so no internal code reaches the screen. Pure: zod and strings only.
 */
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type Schema = z.ZodType;

/**
 * The sentences, as templates. The CLI and the worker use the English ones below; the renderer
 * passes its own, in the language the app is shown in (renderer/src/lib/i18n/validation.ts).
 */
export interface ValidationText {
  wholeNumber: string;
  number: string;
  enter(what: string): string;
  from(what: string, min: string, max: string): string;
  atLeast(what: string, min: string): string;
  above(what: string, min: string): string;
  atMost(what: string, max: string): string;
  below(what: string, max: string): string;
  aboveUpTo(what: string, min: string, max: string): string;
  fromBelow(what: string, min: string, max: string): string;
  aboveBelow(what: string, min: string, max: string): string;
  required: string;
  tooLong(max: string): string;
  tooShort(min: string): string;
  tooMany(max: string): string;
  tooFew(min: string): string;
  choose(options: string): string;
  cannotUse: string;
  field(label: string, message: string): string;
  /** The label of a problem whose field has no name. */
  settings: string;
  /** A bound as people read it ("10,000,000"). */
  formatNumber(n: number): string;
}

/** The English sentences (the CLI's and the worker's). */
export const VALIDATION_TEXT: ValidationText = {
  wholeNumber: 'a whole number',
  number: 'a number',
  enter: (what: string) => `enter ${what}`,
  from: (what: string, min: string, max: string) => `${what} from ${min} to ${max}`,
  atLeast: (what: string, min: string) => `${what} of at least ${min}`,
  above: (what: string, min: string) => `${what} above ${min}`,
  atMost: (what: string, max: string) => `${what} of at most ${max}`,
  below: (what: string, max: string) => `${what} below ${max}`,
  aboveUpTo: (what: string, min: string, max: string) => `${what} above ${min}, up to ${max}`,
  fromBelow: (what: string, min: string, max: string) => `${what} from ${min}, below ${max}`,
  aboveBelow: (what: string, min: string, max: string) => `${what} above ${min}, below ${max}`,
  required: 'fill this in',
  tooLong: (max: string) => `at most ${max} characters`,
  tooShort: (min: string) => `at least ${min} characters`,
  tooMany: (max: string) => `at most ${max} items`,
  tooFew: (min: string) => `at least ${min} items`,
  choose: (options: string) => `choose one of ${options}`,
  cannotUse: 'this value cannot be used here',
  field: (label: string, message: string) => `${label}: ${message}`,
  settings: 'Settings',
  formatNumber: (n: number) => formatNumber(n),
};

/** What the worker's error codes mean, as a lead-in before its own message (null: the message says it all). */
export const ERROR_LEAD_INS: Readonly<Record<string, string | null>> = {
  DATASET_ERROR: 'This data cannot be used',
  CHECKPOINT_ERROR: 'The run’s checkpoint cannot be used',
  PROTOCOL_ERROR: 'The request was refused',
  RUN_STORE_ERROR: 'The run store refused this',
  CONFIG_ERROR: 'This setting cannot be used',
  NOT_PAUSABLE: 'This job cannot pause',
  MEMORY_BUDGET: 'Not enough memory for this job',
  QUEUE_FULL: 'Too many trainings are waiting',
  INTERNAL_ERROR: null,
  STUDIO_ERROR: null,
};

/** The bounds a number schema accepts (unwrapping defaults and optionals), or null for another schema. */
export interface NumberRange {
  int: boolean;
  min: number | null;
  minInclusive: boolean;
  max: number | null;
  maxInclusive: boolean;
}

export function numberRange(schema: Schema | undefined): NumberRange | null {
  const s = unwrap(schema);
  if (!s || s._zod.def.type !== 'number') return null;
  const range: NumberRange = { int: false, min: null, minInclusive: true, max: null, maxInclusive: true };
  for (const check of (s._zod.def as { checks?: { _zod: { def: Record<string, unknown> } }[] }).checks ?? []) {
    const def = check._zod.def;
    if (def.check === 'number_format' && typeof def.format === 'string' && /int/.test(def.format)) range.int = true;
    else if (def.check === 'greater_than' && typeof def.value === 'number' && (range.min === null || def.value >= range.min)) {
      range.min = def.value;
      range.minInclusive = def.inclusive === true;
    } else if (def.check === 'less_than' && typeof def.value === 'number' && (range.max === null || def.value <= range.max)) {
      range.max = def.value;
      range.maxInclusive = def.inclusive === true;
    }
  }
  // The safe-integer bounds zod adds to .int() say nothing a person needs.
  if (range.int && range.min !== null && range.min <= Number.MIN_SAFE_INTEGER) range.min = null;
  if (range.int && range.max !== null && range.max >= Number.MAX_SAFE_INTEGER) range.max = null;
  return range;
}

/** "a whole number from 1 to 10,000,000", "a number above 0, up to 1", "a whole number of at least 0". */
export function describeRange(r: NumberRange, T: ValidationText = VALIDATION_TEXT): string {
  const what = r.int ? T.wholeNumber : T.number;
  const min = r.min === null ? null : T.formatNumber(r.min);
  const max = r.max === null ? null : T.formatNumber(r.max);
  if (min !== null && max !== null) {
    if (r.minInclusive && r.maxInclusive) return T.from(what, min, max);
    if (!r.minInclusive && r.maxInclusive) return T.aboveUpTo(what, min, max);
    if (r.minInclusive) return T.fromBelow(what, min, max);
    return T.aboveBelow(what, min, max);
  }
  if (min !== null) return r.minInclusive ? T.atLeast(what, min) : T.above(what, min);
  if (max !== null) return r.maxInclusive ? T.atMost(what, max) : T.below(what, max);
  return what;
}

/** Numbers as people read them: grouped thousands, no exponent for the usual sizes. */
export function formatNumber(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/**
 * One issue as a sentence for the field it concerns. `fieldSchema` (the schema at the issue's
 * path, when known) lets a number's message state the whole range it takes.
 */
export function issueMessage(issue: Issue, label: string, fieldSchema?: Schema, T: ValidationText = VALIDATION_TEXT): string {
  return T.field(label, issueText(issue, fieldSchema, T));
}

function issueText(issue: Issue, fieldSchema: Schema | undefined, T: ValidationText): string {
  const range = numberRange(fieldSchema);
  if (range) return T.enter(describeRange(range, T));
  const formatNumber = T.formatNumber;
  const i = issue as Issue & { expected?: string; origin?: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean; values?: unknown[] };
  switch (i.code) {
    case 'invalid_type':
      if (i.expected === 'int') return T.enter(T.wholeNumber);
      if (i.expected === 'number') return T.enter(T.number);
      return T.required;
    case 'too_small':
    case 'too_big': {
      const small = i.code === 'too_small';
      const bound = Number(small ? i.minimum : i.maximum);
      if (i.origin === 'string') return small ? (bound <= 1 ? T.required : T.tooShort(formatNumber(bound))) : T.tooLong(formatNumber(bound));
      if (i.origin === 'array' || i.origin === 'set') return small ? T.tooFew(formatNumber(bound)) : T.tooMany(formatNumber(bound));
      const r: NumberRange = { int: false, min: null, minInclusive: true, max: null, maxInclusive: true };
      if (small) Object.assign(r, { min: bound, minInclusive: i.inclusive !== false });
      else Object.assign(r, { max: bound, maxInclusive: i.inclusive !== false });
      return T.enter(describeRange(r, T));
    }
    case 'not_multiple_of':
      return T.enter(T.wholeNumber);
    case 'invalid_value':
      return i.values?.length ? T.choose(i.values.map(String).join(', ')) : T.cannotUse;
    case 'custom':
    case 'invalid_format':
      // Our own refinements and patterns carry messages written for people; zod's own say "Invalid …".
      return i.message && !/^Invalid\b/.test(i.message) ? i.message : T.cannotUse;
    default:
      return T.cannotUse;
  }
}

/** The schema at `path` inside `schema` (objects, defaults, optionals, and the union option `value` matches). */
export function schemaAt(schema: Schema, path: readonly PropertyKey[], value: unknown): Schema | undefined {
  let s: Schema | undefined = schema;
  let v: unknown = value;
  for (const key of path) {
    s = unwrap(s);
    if (!s) return undefined;
    const def = s._zod.def as { type: string; options?: Schema[]; shape?: Record<string, Schema>; element?: Schema; in?: Schema };
    if (def.type === 'union' && def.options) s = def.options.find((o) => unwrap(o)?._zod.def.type === 'object' && unwrap(o)!.safeParse(v).success) ?? def.options.find((o) => hasKey(o, key, v));
    s = unwrap(s);
    if (!s) return undefined;
    const d = s._zod.def as typeof def;
    if (d.type === 'object' && d.shape) s = d.shape[String(key)];
    else if (d.type === 'array' && d.element) s = d.element;
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return s;
}

function hasKey(option: Schema, key: PropertyKey, value: unknown): boolean {
  const o = unwrap(option);
  const def = o?._zod.def as { type: string; shape?: Record<string, Schema> } | undefined;
  if (def?.type !== 'object' || !def.shape || !(String(key) in def.shape)) return false;
  // A discriminated union: the option whose literal discriminator the value carries.
  for (const [k, field] of Object.entries(def.shape)) {
    const fd = unwrap(field)?._zod.def as { type: string; values?: unknown[] } | undefined;
    if (fd?.type === 'literal' && value !== null && typeof value === 'object' && !fd.values?.includes((value as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function unwrap(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; s && i < 8; i++) {
    const def = s._zod.def as { type: string; innerType?: Schema; in?: Schema };
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'readonly') && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

/**
 * Every problem of `value` under `schema`, as sentences keyed by field: the key is the issue's
 * path joined with '.', mapped through `keys` when the form calls the field otherwise (e.g.
 * 'config.steps' → 'steps'). Issues on paths without a label go to `other`.
 */
export function fieldMessages(
  schema: Schema,
  value: unknown,
  labels: Readonly<Record<string, string>>,
  keys: Readonly<Record<string, string>> = {},
  T: ValidationText = VALIDATION_TEXT,
): { fields: Record<string, string>; other: string[] } {
  const parsed = schema.safeParse(value);
  const fields: Record<string, string> = {};
  const other: string[] = [];
  if (parsed.success) return { fields, other };
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String).join('.');
    const key = keys[path] ?? path;
    const label = labels[key];
    const text = issueMessage(issue, label ?? (humanPath(issue.path) || T.settings), schemaAt(schema, issue.path, value), T);
    if (label !== undefined) fields[key] ??= text;
    else if (!other.includes(text)) other.push(text);
  }
  return { fields, other };
}

/** The first problem of `value` under `schema` as one sentence, or null when it passes. */
export function firstProblem(schema: Schema, value: unknown, labels: Readonly<Record<string, string>> = {}, T: ValidationText = VALIDATION_TEXT): string | null {
  const { fields, other } = fieldMessages(schema, value, labels, {}, T);
  return Object.values(fields)[0] ?? other[0] ?? null;
}

/** "config.model.dModel" → "dModel": the last named segment. */
function humanPath(path: readonly PropertyKey[]): string {
  const named = path.filter((p) => typeof p === 'string');
  return String(named.at(-1) ?? '');
}

/** How an error sentence is put together (the renderer passes its own, in the app's language). */
export interface ErrorText {
  /** The lead-in for a worker error code, or null (the message says it all, or the code is unknown). */
  leadIn(code: string): string | null;
  /** A lead-in (or what was being done) and the worker's message. */
  join(lead: string, message: string): string;
  /** What an empty message becomes. */
  empty: string;
}

/** The English (the CLI's). */
export const ERROR_TEXT: ErrorText = {
  leadIn: (code) => ERROR_LEAD_INS[code] ?? null,
  join: (lead, message) => `${lead}: ${message}`,
  empty: 'Something went wrong',
};

/**
 * A worker error as the person reads it: a lead-in for its code when that helps, then the
 * worker's own message; never the code itself. `context` says what was being done.
 */
export function errorSentence(code: string | null, message: string, context?: string, T: ErrorText = ERROR_TEXT): string {
  const body = sentence(stripCode(message), T.empty);
  const lead = code ? T.leadIn(code) : null;
  if (context) return T.join(context, lowerFirst(body));
  if (lead) return T.join(lead, lowerFirst(body));
  return body;
}

/** Removes an internal code a message may start with ("DATASET_ERROR: …"). */
function stripCode(message: string): string {
  return message.replace(/^\s*[A-Z][A-Z_]{3,}(?::|\s-)\s*/, '');
}

function sentence(text: string, empty: string): string {
  const t = text.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) : empty;
}

function lowerFirst(text: string): string {
  // Keep capitals of names and acronyms ("PNG", "AR"): only a capital followed by a lower-case letter is lowered.
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

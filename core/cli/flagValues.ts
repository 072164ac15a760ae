import type { z } from 'zod';
import { UsageError } from './exitStatus.ts';
import type { Values } from './flags.ts';

/** A string flag's value, if it was given. */
export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

/** A string flag that must be given (and not empty). */
export function required(values: Values, key: string, command: string): string {
  const v = str(values, key);
  if (v === undefined || v === '') throw new UsageError(`--${key} is required (see ars ${command} --help)`);
  return v;
}

export function intValue(flag: string, raw: string): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`--${flag} must be a whole number, got '${raw}'`);
  return Number(raw);
}

export function numberValue(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got '${raw}'`);
  return n;
}

export function optInt(values: Values, key: string): number | undefined {
  const v = str(values, key);
  return v === undefined ? undefined : intValue(key, v);
}

export function optNumber(values: Values, key: string): number | undefined {
  const v = str(values, key);
  return v === undefined ? undefined : numberValue(key, v);
}

/** Drops undefined fields (the schemas' defaults then apply). */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The schema at `path` inside `schema` (through objects, unions, optional and default wrappers). */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as z.ZodType | undefined;
  if (inner) return schemaAt(inner, path);
  if (path.length === 0) return schema;
  if (def.type === 'union') {
    for (const option of def.options as z.ZodType[]) {
      const found = schemaAt(option, path);
      if (found) return found;
    }
    return undefined;
  }
  if (def.type !== 'object') return undefined;
  const field = (def.shape as Record<string, z.ZodType>)[String(path[0])];
  return field ? schemaAt(field, path.slice(1)) : undefined;
}

/** The value at `path` in `input`. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), input);
}

/**
 * Turns a schema failure into a usage error in the flag's own words, e.g.
 * `--steps must be a whole number of at least 1, got -5`; other failures as `--flag: message`.
 */
export function checkAgainst<S extends z.ZodType>(schema: S, input: unknown, flags: Record<string, string>): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const flag = flags[path] ?? (path ? path : 'options');
  const value = valueAt(input, issue.path);
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number' && typeof value === 'number') {
    const whole = (schemaAt(schema, issue.path) as { isInt?: boolean } | undefined)?.isInt === true;
    const bound = issue.code === 'too_small' ? (issue.inclusive ? `of at least ${String(issue.minimum)}` : `greater than ${String(issue.minimum)}`) : issue.inclusive ? `of at most ${String(issue.maximum)}` : `less than ${String(issue.maximum)}`;
    throw new UsageError(`${flag} must be ${whole ? 'a whole number' : 'a number'} ${bound}, got ${value}`);
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') throw new UsageError(`${flag} must be a whole number, got ${String(value)}`);
  throw new UsageError(`${flag}: ${issue.message}`);
}

/** Refuses a whole number outside [min, max] in the flag's own words. */
export function checkRange(flag: string, n: number, min: number, max?: number): number {
  if (n >= min && (max === undefined || n <= max)) return n;
  throw new UsageError(max === undefined ? `--${flag} must be a whole number of at least ${min}, got ${n}` : `--${flag} must be a whole number from ${min} to ${max}, got ${n}`);
}

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
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`--${flag} must be a whole number (got '${raw}')`);
  return Number(raw);
}

export function numberValue(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number (got '${raw}')`);
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

/** Turns a schema failure into a usage error naming the flag, e.g. `--hidden: Too small ...`. */
export function checkAgainst<S extends z.ZodType>(schema: S, input: unknown, flags: Record<string, string>): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const flag = flags[path] ?? (path ? path : 'options');
  throw new UsageError(`${flag}: ${issue.message}`);
}

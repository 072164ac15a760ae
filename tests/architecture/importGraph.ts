import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';

/**
 * The project's import graph and the layering rules of DESIGN.md ("Layers") over it. Pure: it
 * reads no files (layering.test.ts does), so the rules are tested on synthetic graphs too.
 *
 * Paths are repository-relative with forward slashes (`core/models/config.ts`).
 */

/** One import in a source file. */
export interface ImportEdge {
  /** The importing file. */
  file: string;
  /** 1-based line of the import. */
  line: number;
  /** The module specifier as written (`'../models/config.ts'`, `'zod'`, `'node:fs'`). */
  specifier: string;
  /** A repository path for relative imports, else the package name (`@tensorflow/tfjs`, `node:fs`). */
  target: string;
  /** Erased at compile time (`import type`, `export type`, `import('x').T` in a type): no runtime edge. */
  typeOnly: boolean;
}

/** An import that breaks a rule. */
export interface Violation {
  file: string;
  line: number;
  target: string;
  rule: string;
}

// ---------------------------------------------------------------- parsing

/**
 * Every import of one file: static imports (type-only included), export-from, dynamic `import()`
 * and `require()` with a literal specifier, and `import('x')` types. A dynamic import or require
 * whose specifier is not a literal is returned with the specifier `<computed>`, so the rules can
 * refuse it (it cannot be checked). `.svelte` files are read through their `<script>` blocks.
 */
export function parseImports(file: string, source: string): Omit<ImportEdge, 'target'>[] {
  if (file.endsWith('.svelte')) {
    const edges: Omit<ImportEdge, 'target'>[] = [];
    for (const block of svelteScripts(source)) {
      for (const e of parseScript(file, block.code)) edges.push({ ...e, line: e.line + block.line - 1 });
    }
    return edges;
  }
  return parseScript(file, source);
}

/** The `<script>` blocks of a Svelte component, each with the line its code starts on. */
function svelteScripts(source: string): { code: string; line: number }[] {
  const blocks: { code: string; line: number }[] = [];
  const re = /<script\b[^>]*>([\s\S]*?)<\/script>/g;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const start = m.index + m[0].indexOf('>') + 1;
    blocks.push({ code: m[1]!, line: source.slice(0, start).split('\n').length });
  }
  return blocks;
}

function parseScript(file: string, code: string): Omit<ImportEdge, 'target'>[] {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: Omit<ImportEdge, 'target'>[] = [];
  const add = (node: ts.Node, specifier: ts.Node | undefined, typeOnly: boolean) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    const literal = specifier && ts.isStringLiteralLike(specifier) ? specifier.text : '<computed>';
    edges.push({ file, line, specifier: literal, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(node.expression))) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

function isRequire(e: ts.Expression): boolean {
  return ts.isIdentifier(e) && e.text === 'require';
}

// ---------------------------------------------------------------- resolution

const NODE_BUILTINS = new Set(builtinModules);

/** Whether a specifier names a Node built-in module (`node:fs`, `fs`, `fs/promises`). */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split('/')[0]!);
}

/**
 * What an import refers to: the repository path of a relative import (its query, e.g. `?url`,
 * dropped; an extensionless one resolved against `files`), else the package it names
 * (`@scope/name` or `name`; Node built-ins as `node:name`).
 */
export function resolveTarget(file: string, specifier: string, files: ReadonlySet<string> = new Set()): string {
  if (specifier.startsWith('.')) {
    const path = posix.normalize(posix.join(posix.dirname(file), specifier.split('?')[0]!));
    if (files.has(path) || posix.extname(path) !== '') return path;
    for (const candidate of [`${path}.ts`, `${path}/index.ts`]) if (files.has(candidate)) return candidate;
    return path;
  }
  if (isNodeBuiltin(specifier)) return specifier.startsWith('node:') ? specifier : `node:${specifier}`;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The edges of a set of files, each resolved. */
export function buildGraph(sources: ReadonlyMap<string, string>): ImportEdge[] {
  const files = new Set(sources.keys());
  const edges: ImportEdge[] = [];
  for (const [file, source] of sources) {
    for (const e of parseImports(file, source)) edges.push({ ...e, target: resolveTarget(file, e.specifier, files) });
  }
  return edges;
}

// ---------------------------------------------------------------- the layers

/**
 * DESIGN.md's layers, lowest first: each imports only from layers listed before it, or its own.
 * `core/limits` does not exist yet; its place is kept. The two front ends share the top rank and
 * do not import each other.
 */
export const LAYERS: readonly { name: string; rank: number }[] = [
  { name: 'core/tensor', rank: 1 },
  { name: 'core/data', rank: 2 },
  { name: 'core/models', rank: 3 },
  { name: 'core/generate', rank: 4 },
  { name: 'core/train', rank: 5 },
  { name: 'core/runs', rank: 6 },
  { name: 'core/limits', rank: 6.5 },
  { name: 'core/protocol', rank: 7 },
  { name: 'core/worker', rank: 8 },
  { name: 'core/cli', rank: 9 },
  { name: 'electron', rank: 10 },
  { name: 'renderer', rank: 10 },
];

/** Pure modules any core layer may use; they import none of the layers. */
export const SHARED_MODULES: ReadonlySet<string> = new Set(['core/rng.ts', 'core/errors.ts']);

/** The layer a repository path lies in; `shared` for the pure modules; null outside core/, electron/, renderer/. */
export function layerOf(path: string): string | null {
  if (SHARED_MODULES.has(path)) return 'shared';
  for (const l of LAYERS) if (path.startsWith(`${l.name}/`)) return l.name;
  if (path.startsWith('core/')) return 'core (no layer)';
  return null;
}

function rankOf(layer: string): number | undefined {
  return LAYERS.find((l) => l.name === layer)?.rank;
}

/** Packages that pick and set up a tfjs backend: only core/tensor loads them. */
function isBackendPackage(target: string): boolean {
  return (target.startsWith('@tensorflow/') && target !== '@tensorflow/tfjs') || target === 'webgpu';
}

/** What the renderer and Electron's main and preload must not reach, even through other modules. */
function isTfjsOrGpu(target: string): boolean {
  return target.startsWith('@tensorflow/') || target === 'webgpu';
}

/** The rule a single import breaks, or null. */
export function directRule(e: ImportEdge): string | null {
  if (e.specifier === '<computed>') return 'an import with a computed specifier cannot be checked: use a string literal';
  const from = layerOf(e.file);
  if (from === null) return null;
  if (from === 'core (no layer)') return `${e.file} lies in core/ but in none of DESIGN.md's layers (nor core/rng.ts, core/errors.ts)`;
  const to = layerOf(e.target);

  if (e.target === 'electron' && !(from === 'electron' && e.file !== 'electron/workerHost.ts')) {
    return from === 'electron'
      ? 'electron/workerHost.ts gets Electron passed in (so it is tested without Electron); it does not import it'
      : 'only electron/ imports the electron package';
  }
  if (isBackendPackage(e.target) && from !== 'core/tensor') return 'tfjs backends and webgpu are loaded only in core/tensor';
  if (e.file === 'electron/preload.ts' && e.target !== 'electron') return 'the sandboxed preload imports only the electron package';

  if (from === 'renderer') {
    if (isNodeBuiltin(e.specifier)) return 'renderer/ never imports a Node built-in module';
    if (isTfjsOrGpu(e.target)) return 'renderer/ never imports tfjs or webgpu';
    if (to !== null && to !== 'renderer' && to !== 'core/protocol') return 'renderer/ imports only core/protocol (types and schemas) from core';
    return null;
  }
  if (to === null) return null;
  if (to === 'core (no layer)') return `${e.target} lies in core/ but in none of DESIGN.md's layers`;
  if (from === 'shared') return to === 'shared' ? null : 'core/rng.ts and core/errors.ts are pure: they import no layer';
  if (to === 'shared' || to === from) return null;
  const rf = rankOf(from)!;
  const rt = rankOf(to)!;
  if (rt === rf) return `${from} and ${to} are separate front ends: neither imports the other`;
  if (rt > rf) return `${from} may import only layers below it; ${to} is above it`;
  return null;
}

/** Front-end files whose runtime imports, followed through every module they load, must not reach these. */
const REACH_RULES: { applies: (file: string) => boolean; forbidden: (target: string) => boolean; rule: string }[] = [
  {
    applies: (f) => layerOf(f) === 'renderer',
    forbidden: (t) => isTfjsOrGpu(t) || t.startsWith('node:'),
    rule: 'renderer/ reaches no @tensorflow/*, webgpu or Node built-in, not even through core/protocol',
  },
  {
    applies: (f) => f === 'electron/main.ts' || f === 'electron/preload.ts',
    forbidden: isTfjsOrGpu,
    rule: "Electron's main process reaches no @tensorflow/* or webgpu: the worker (a utility process) owns tfjs",
  },
];

/**
 * Transitive rules: from each front-end file, every module it loads at run time (type-only imports
 * are erased, so they are not followed) must not import a forbidden package. The offending
 * import is reported with the chain that reaches it.
 */
export function reachRules(edges: readonly ImportEdge[]): Violation[] {
  const out = new Map<string, ImportEdge[]>();
  for (const e of edges) if (!e.typeOnly) out.set(e.file, [...(out.get(e.file) ?? []), e]);
  const violations: Violation[] = [];
  for (const r of REACH_RULES) {
    const starts = [...out.keys()].filter(r.applies).sort();
    const via = new Map<string, string | null>(starts.map((s) => [s, null]));
    const queue = [...starts];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const e of out.get(file) ?? []) {
        if (r.forbidden(e.target)) {
          const key = `${e.file}:${e.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const chain: string[] = [];
          for (let f: string | null = file; f !== null; f = via.get(f) ?? null) chain.unshift(f);
          violations.push({ file: e.file, line: e.line, target: e.target, rule: `${r.rule} (reached: ${chain.join(' → ')})` });
        } else if (out.has(e.target) && !via.has(e.target)) {
          via.set(e.target, file);
          queue.push(e.target);
        }
      }
    }
  }
  return violations;
}

/** Every violation in the graph: each import on its own, then what the front ends reach. */
export function checkLayering(edges: readonly ImportEdge[]): Violation[] {
  const violations: Violation[] = [];
  for (const e of edges) {
    const rule = directRule(e);
    if (rule !== null) violations.push({ file: e.file, line: e.line, target: e.target, rule });
  }
  return [...violations, ...reachRules(edges)];
}

/** One line a violation: `file:line imports target — rule`. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line} imports ${v.target} — ${v.rule}`;
}

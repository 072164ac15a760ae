#!/usr/bin/env node
/**
 * `npm run security`: the Electron security gate, part of `npm test`. Runs @doyensec/electronegativity
 * (through its API: its exit code is always 0, and its CSV report mangles the first row) over the
 * desktop app's Electron-facing code — electron/ (main and preload sources) and their build
 * (out/main/main.js with its chunks, out/preload/preload.cjs, out/renderer/index.html) — and fails
 * on any finding above LOW that is not a documented exception below, or on a file it could not
 * parse (a file it cannot read is a file it did not check).
 *
 * The worker's bundle (out/main/worker.js) is not scanned: it runs in a utility process that shows
 * no web content and talks only through the validated protocol (tested by the protocol fuzzer).
 *
 * Usage: node scripts/security.mjs [--build]   (--build: run electron-vite build first)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** Severities electronegativity reports, lowest first; anything above LOW fails the gate. */
export const ALLOWED_SEVERITIES = new Set(['INFORMATIONAL', 'LOW']);

/**
 * Findings above LOW that were reviewed and are accepted, each with the reason. A finding is
 * excused when its check id matches, its file matches `file`, and its sample matches `sample`.
 */
export const EXCEPTIONS = [
  {
    check: 'PRELOAD_JS_CHECK',
    file: /^(electron\/main\.ts|out\/main\/main\.js)$/,
    sample: /^preload: PRELOAD,?$/,
    reason:
      'Reviewed: the preload (electron/preload.ts) exposes nothing to the page (no contextBridge API; ipcRenderer stays ' +
      'inside the preload): it only hands the worker MessagePort that main sends on "worker-port" to the page as a ' +
      'window message. The window is sandboxed with contextIsolation on and nodeIntegration off.',
  },
  {
    check: 'OPEN_EXTERNAL_JS_CHECK',
    file: /^(electron\/main\.ts|out\/main\/main\.js)$/,
    sample: /protocol === ["']https:["']\) (void )?shell\.openExternal\(url\)/,
    reason:
      'Reviewed: openExternal is only reached for a navigation or window.open the app refused, and only for https: URLs ' +
      '(no file:, smb:, custom schemes), which open in the system browser. The page itself is the app (CSP script-src \'self\').',
  },
];

/** The files the gate scans, relative to the project, and where they go in the staging folder. */
export function scannedFiles() {
  const files = [];
  for (const f of readdirSync(join(root, 'electron'))) if (f.endsWith('.ts')) files.push(`electron/${f}`);
  files.push('out/main/main.js', 'out/preload/preload.cjs', 'out/renderer/index.html');
  const chunks = join(root, 'out', 'main', 'chunks');
  if (existsSync(chunks)) for (const f of readdirSync(chunks)) if (f.endsWith('.js')) files.push(`out/main/chunks/${f}`);
  return files;
}

/** Findings that fail the gate: above LOW and not excused. */
export function gate(issues) {
  const failures = [];
  const excused = [];
  for (const issue of issues) {
    if (ALLOWED_SEVERITIES.has(issue.severity)) continue;
    const exception = EXCEPTIONS.find((e) => e.check === issue.check && e.file.test(issue.file) && e.sample.test(issue.sample.trim()));
    if (exception) excused.push({ issue, reason: exception.reason });
    else failures.push(issue);
  }
  return { failures, excused };
}

/** Runs electronegativity over `files` (staged so that nothing else is scanned). */
export async function scan(files) {
  const stage = mkdtempSync(join(tmpdir(), 'ars-electronegativity-'));
  try {
    for (const f of files) {
      if (!existsSync(join(root, f))) throw new Error(`${f} does not exist (run npm run build first)`);
      cpSync(join(root, f), join(stage, f));
    }
    // Electron's version comes from package.json's devDependencies.
    cpSync(join(root, 'package.json'), join(stage, 'package.json'));
    const run = require('@doyensec/electronegativity');
    const quiet = console.log;
    console.log = () => {}; // its translation and release lookups print connectivity warnings offline
    let result;
    try {
      result = await run({ input: stage, isRelative: true, parserPlugins: [] });
    } finally {
      console.log = quiet;
    }
    const issues = result.issues.map((i) => ({
      check: i.id,
      severity: i.severity.name,
      confidence: i.confidence.name,
      file: String(i.file).split('\\').join('/'),
      line: i.location?.line ?? 0,
      sample: String(i.sample ?? ''),
      description: i.description,
    }));
    const errors = result.errors.filter((e) => !e.tolerable).map((e) => ({ file: e.file.slice(stage.length + 1), message: e.message }));
    return { issues, errors, checks: result.globalChecks + result.atomicChecks };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function main() {
  if (process.argv.includes('--build')) execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  const files = scannedFiles();
  const { issues, errors, checks } = await scan(files);
  const { failures, excused } = gate(issues);
  const say = (line) => console.log(`security: ${line}`);
  say(`electronegativity ran ${checks} checks over ${files.length} files: ${files.join(', ')}`);
  for (const i of issues.filter((x) => ALLOWED_SEVERITIES.has(x.severity))) say(`allowed (${i.severity}): ${i.check} ${i.file}:${i.line} — ${i.description}`);
  for (const { issue, reason } of excused) say(`excused (${issue.severity}): ${issue.check} ${issue.file}:${issue.line} — ${reason}`);
  for (const e of errors) console.error(`security: could not parse ${e.file}: ${e.message}`);
  for (const i of failures) console.error(`security: FAIL (${i.severity}, ${i.confidence}): ${i.check} ${i.file}:${i.line} — ${i.description}\n    ${i.sample.trim().slice(0, 200)}`);
  if (failures.length > 0 || errors.length > 0) process.exit(1);
  say('ok: no finding above LOW beyond the documented exceptions');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`security: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

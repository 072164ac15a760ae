/**
 * The electronegativity gate (scripts/security.mjs, run by `npm test`): it fails on findings
 * above LOW that are not documented exceptions, and it does catch an insecure main process.
 */
import { describe, expect, it } from 'vitest';
import { EXCEPTIONS, gate, scan, scannedFiles, type Finding } from '../../scripts/security.mjs';

const finding = (over: Partial<Finding>): Finding => ({
  check: 'NODE_INTEGRATION_JS_CHECK',
  severity: 'HIGH',
  confidence: 'FIRM',
  file: 'electron/main.ts',
  line: 1,
  sample: 'nodeIntegration: true',
  description: 'Disable nodeIntegration for untrusted origins',
  ...over,
});

describe('the security gate', () => {
  it('fails above LOW, allows LOW and below, excuses only the documented exceptions', () => {
    const { failures, excused } = gate([
      finding({}),
      finding({ check: 'CSP_GLOBAL_CHECK', severity: 'LOW' }),
      finding({ check: 'X', severity: 'INFORMATIONAL' }),
      finding({ check: 'PRELOAD_JS_CHECK', severity: 'MEDIUM', sample: 'preload: PRELOAD,' }),
      // The same check elsewhere, or with other code, is not excused.
      finding({ check: 'PRELOAD_JS_CHECK', severity: 'MEDIUM', sample: 'preload: somethingElse,' }),
      finding({ check: 'OPEN_EXTERNAL_JS_CHECK', severity: 'MEDIUM', sample: 'shell.openExternal(url)' }),
      finding({ check: 'OPEN_EXTERNAL_JS_CHECK', severity: 'MEDIUM', file: 'out/main/main.js', sample: 'if (new URL(url).protocol === "https:") shell.openExternal(url);' }),
    ]);
    expect(failures.map((f) => [f.check, f.sample])).toEqual([
      ['NODE_INTEGRATION_JS_CHECK', 'nodeIntegration: true'],
      ['PRELOAD_JS_CHECK', 'preload: somethingElse,'],
      ['OPEN_EXTERNAL_JS_CHECK', 'shell.openExternal(url)'],
    ]);
    expect(excused.map((e) => e.issue.check)).toEqual(['PRELOAD_JS_CHECK', 'OPEN_EXTERNAL_JS_CHECK']);
  });

  it('every exception says why', () => {
    for (const e of EXCEPTIONS) expect(e.reason.length, e.check).toBeGreaterThan(80);
  });

  it('scans electron/ and the built main, preload and page', () => {
    const files = scannedFiles();
    for (const f of ['electron/main.ts', 'electron/preload.ts', 'out/main/main.js', 'out/preload/preload.cjs', 'out/renderer/index.html']) expect(files).toContain(f);
    expect(files).not.toContain('out/main/worker.js');
  });

  it('catches an insecure main process', async () => {
    const { issues, errors } = await scan(['tests/scripts/fixtures/insecureMain.js']);
    expect(errors).toEqual([]);
    const failed = new Set(gate(issues).failures.map((f) => f.check));
    const expected = [
      'CONTEXT_ISOLATION_JS_CHECK',
      'SANDBOX_JS_CHECK',
      'WEB_SECURITY_JS_CHECK',
      'INSECURE_CONTENT_JS_CHECK',
      'HTTP_RESOURCES_JS_CHECK',
      'AUXCLICK_JS_CHECK',
      'LIMIT_NAVIGATION_GLOBAL_CHECK',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
    ];
    for (const check of expected) {
      expect(failed, check).toContain(check);
    }
  }, 60_000);
});

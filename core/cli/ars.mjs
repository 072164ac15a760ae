#!/usr/bin/env node
/**
 * The `ars` command (package.json "bin"): runs core/cli/main.ts through tsx, which this package
 * brings, in this process (so Ctrl-C and the exit status are main.ts's own).
 */
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  process.stderr.write('error: ars needs the tsx package next to it: run npm install in the Autoregressive Studio folder\n');
  process.exit(70);
}
register();
await import('./main.ts');

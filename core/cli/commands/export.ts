import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RUN_ARCHIVE_SUFFIX } from '../../runs/archiveName.ts';
import type { Command } from '../command.ts';
import { EXIT_OK, UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { required, str } from '../flagValues.ts';
import { formatBytes } from '../format.ts';
import { writeJson } from '../io.ts';
import { withClient } from '../studioAccess.ts';

export const exportCommand: Command = {
  summary: 'save a run as one file, to keep or to move to another machine',
  help: `Usage: ars export --run ID [--out FILE] [options]

Writes the run (settings, metrics, training data, checkpoints) to one .tgz archive, which
ars import (or the Runs view) takes back in. Damaged checkpoints are left out, with a warning.

  --run ID            the run (see ars runs)
  --out FILE          where to write it (default: ./ID${RUN_ARCHIVE_SUFFIX})
${STUDIO_HELP}`,
  options: { ...stringFlags('run', 'out'), ...STUDIO_OPTIONS },
  async run(values, io) {
    const runId = required(values, 'run', 'export');
    return withClient(values, io, async (client) => {
      const { fileName, archive, notices } = await client.request('runs.export', { runId });
      const out = resolve(io.cwd, str(values, 'out') ?? fileName);
      try {
        await writeFile(out, archive, { flag: 'wx' }); // never overwrites a file
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'EEXIST' ? `${out} exists already; choose another --out` : `cannot write ${out} (${code ?? (err as Error).message})`);
      }
      for (const n of notices) io.stderr.write(`warning: ${n}\n`);
      if (values.json === true) writeJson(io, { runId, out, bytes: archive.byteLength, notices });
      else io.stdout.write(`wrote run ${runId} to ${out} (${formatBytes(archive.byteLength)})\n`);
      return EXIT_OK;
    });
  },
};

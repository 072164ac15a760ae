import { resolve } from 'node:path';
import { RUN_ARCHIVE_SUFFIX } from '../../runs/archiveName.ts';
import type { Command } from '../command.ts';
import { EXIT_OK } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { required, str } from '../flagValues.ts';
import { formatBytes } from '../format.ts';
import { writeJson } from '../io.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import { writeUserFile } from '../userFiles.ts';

export const exportCommand: Command = {
  summary: 'save a run as one file, to keep or to move to another machine',
  help: `Usage: ars export --run RUN [--out FILE] [options]

Writes the run (settings, metrics, training data, checkpoints) to one .tgz archive, which
ars import (or the Runs view) takes back in. Damaged checkpoints are left out, with a warning.

  --run RUN           the run: ${RUN_REF_HELP}
  --out FILE          where to write it (default: ./ID${RUN_ARCHIVE_SUFFIX})
${STUDIO_HELP}`,
  options: { ...stringFlags('run', 'out'), ...STUDIO_OPTIONS },
  async run(values, io) {
    const ref = required(values, 'run', 'export');
    return withClient(values, io, async (client) => {
      const runId = (await resolveRun(client, ref, '--run')).id;
      const { fileName, archive, notices } = await client.request('runs.export', { runId });
      const out = resolve(io.cwd, str(values, 'out') ?? fileName);
      await writeUserFile(out, archive, '--out', true); // never overwrites a file
      for (const n of notices) io.stderr.write(`warning: ${n}\n`);
      if (values.json === true) writeJson(io, { runId, out, bytes: archive.byteLength, notices });
      else io.stdout.write(`wrote run ${runId} to ${out} (${formatBytes(archive.byteLength)})\n`);
      return EXIT_OK;
    });
  },
};

import { basename, resolve } from 'node:path';
import { MAX_RUN_ARCHIVE_BYTES } from '../../protocol/messages.ts';
import { plainText } from '../../protocol/plainText.ts';
import type { Command } from '../command.ts';
import { EXIT_OK, UserError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { required } from '../flagValues.ts';
import { formatBytes } from '../format.ts';
import { writeJson } from '../io.ts';
import { withClient } from '../studioAccess.ts';
import { readUserFile } from '../userFiles.ts';

export const importCommand: Command = {
  summary: 'add a run from an exported archive',
  help: `Usage: ars import --archive FILE [options]

Adds the run in an archive made by ars export (or the Runs view), under a new id if its own is
taken. Every part is checked first; on any problem nothing is added.

  --archive FILE      the .tgz archive
${STUDIO_HELP}`,
  options: { ...stringFlags('archive'), ...STUDIO_OPTIONS },
  async run(values, io) {
    const path = resolve(io.cwd, required(values, 'archive', 'import'));
    const archive = await readUserFile(path, '--archive');
    if (archive.byteLength > MAX_RUN_ARCHIVE_BYTES) {
      throw new UserError(`${path} holds ${formatBytes(archive.byteLength)}; run archives of at most ${formatBytes(MAX_RUN_ARCHIVE_BYTES)} can be imported`);
    }
    return withClient(values, io, async (client) => {
      const run = await client.request('runs.import', { archive, fileName: basename(path) });
      if (values.json === true) writeJson(io, run);
      else io.stdout.write(`imported run ${run.id} (${plainText(run.name)}, ${run.state}, step ${run.step})\n`);
      return EXIT_OK;
    });
  },
};

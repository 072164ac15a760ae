import { resolveStudioHome } from '../../worker/home.ts';
import type { Command } from '../command.ts';
import { EXIT_OK } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS } from '../flags.ts';
import { str } from '../flagValues.ts';
import { formatRunsTable } from '../format.ts';
import { writeJson } from '../io.ts';
import { withClient } from '../studioAccess.ts';

export const runsCommand: Command = {
  summary: 'list runs',
  help: `Usage: ars runs [options]

Lists the runs in the runs folder, newest first. Other commands name a run by its ID, any
unique start of it, or latest.

${STUDIO_HELP}`,
  options: STUDIO_OPTIONS,
  run: (values, io) =>
    withClient(values, io, async (client) => {
      const list = await client.request('runs.list', {});
      if (values.json === true) writeJson(io, list);
      else if (list.length === 0) io.stdout.write(`no runs yet in ${resolveStudioHome(str(values, 'runs-dir'), io.env, io.cwd)}\n`);
      else io.stdout.write(`${formatRunsTable(list)}\n`);
      return EXIT_OK;
    }),
};

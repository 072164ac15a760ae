import type { Command } from '../command.ts';
import { EXIT_OK } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { required } from '../flagValues.ts';
import { formatRunDetail } from '../format.ts';
import { writeJson } from '../io.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';

export const showCommand: Command = {
  summary: 'show one run: settings, losses at each validation, what it wrote last',
  help: `Usage: ars show --run RUN [options]

Shows a run in full: its state, model and data, its losses at the last validations, and the
text its model wrote after the newest one. With --json: the record the Runs view gets (metrics
included; a long run's thinned to a few thousand, every validation kept).

  --run RUN           the run: ${RUN_REF_HELP}
${STUDIO_HELP}`,
  options: { ...stringFlags('run'), ...STUDIO_OPTIONS },
  async run(values, io) {
    const ref = required(values, 'run', 'show');
    return withClient(values, io, async (client) => {
      const runId = (await resolveRun(client, ref, '--run')).id;
      const run = await client.request('runs.get', { runId });
      if (values.json === true) {
        const previews = run.previews.map((p) => ('text' in p ? p : { step: p.step, samples: p.samples }));
        writeJson(io, { ...run, previews });
      } else io.stdout.write(`${formatRunDetail(run)}\n`);
      return EXIT_OK;
    });
  },
};

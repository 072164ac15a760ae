import type { Command } from '../command.ts';
import { STUDIO_HELP, STUDIO_OPTIONS } from '../flags.ts';
import { checkRange, optInt, required } from '../flagValues.ts';
import { followTraining } from '../followTraining.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';

export const resumeCommand: Command = {
  summary: 'continue training a run',
  help: `Usage: ars resume --run RUN [--steps EXTRA] [options]

Continues a run from its last checkpoint, up to its planned steps plus EXTRA.

  --run RUN           the run to continue: ${RUN_REF_HELP}
  --steps EXTRA       steps to add to the run's plan (default 0)
${STUDIO_HELP}`,
  options: { run: { type: 'string' }, steps: { type: 'string' }, ...STUDIO_OPTIONS },
  async run(values, io) {
    const ref = required(values, 'run', 'resume');
    const extraSteps = checkRange('steps', optInt(values, 'steps') ?? 0, 0);
    return withClient(values, io, async (client) => {
      const runId = (await resolveRun(client, ref, '--run')).id;
      return followTraining(client, () => client.request('train.resume', { runId, extraSteps }), values, io);
    });
  },
};

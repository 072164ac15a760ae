import type { Command } from '../command.ts';
import { EXIT_OK, UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { required } from '../flagValues.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';

export const deleteCommand: Command = {
  summary: 'delete a run and its checkpoints',
  help: `Usage: ars delete --run RUN --yes [options]

Deletes a run's folder (settings, metrics, checkpoints). A run that is training is refused.
--yes is required: nothing asks again.

  --run RUN           the run: ${RUN_REF_HELP}
  --yes               really delete it
${STUDIO_HELP}`,
  options: { ...stringFlags('run'), yes: { type: 'boolean' }, ...STUDIO_OPTIONS },
  async run(values, io) {
    const ref = required(values, 'run', 'delete');
    if (values.yes !== true) throw new UsageError(`add --yes to delete run ${ref} and its checkpoints (it cannot be undone)`);
    return withClient(values, io, async (client) => {
      const runId = (await resolveRun(client, ref, '--run')).id;
      await client.request('runs.delete', { runId });
      io.stdout.write(`deleted run ${runId}\n`);
      return EXIT_OK;
    });
  },
};

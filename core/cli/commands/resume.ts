import type { Command } from '../command.ts';
import { UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS } from '../flags.ts';
import { optInt, required } from '../flagValues.ts';
import { followTraining } from '../followTraining.ts';
import { withClient } from '../studioAccess.ts';

export const resumeCommand: Command = {
  summary: 'continue training a run',
  help: `Usage: ars resume --run ID [--steps EXTRA] [options]

Continues a run from its last checkpoint, up to its planned steps plus EXTRA.

  --run ID            the run to continue (see ars runs)
  --steps EXTRA       steps to add to the run's plan (default 0)
${STUDIO_HELP}`,
  options: { run: { type: 'string' }, steps: { type: 'string' }, ...STUDIO_OPTIONS },
  async run(values, io) {
    const runId = required(values, 'run', 'resume');
    const extraSteps = optInt(values, 'steps') ?? 0;
    if (extraSteps < 0) throw new UsageError('--steps must not be negative');
    return withClient(values, io, (client) => followTraining(client, () => client.request('train.resume', { runId, extraSteps }), values, io));
  },
};

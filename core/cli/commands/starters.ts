import { plainText } from '../../protocol/plainText.ts';
import type { Command } from '../command.ts';
import { EXIT_OK, UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS } from '../flags.ts';
import { writeJson } from '../io.ts';
import { withClient } from '../studioAccess.ts';

export const startersCommand: Command = {
  summary: 'bring back the starter runs shipped with the app',
  help: `Usage: ars starters --restore [options]

The app ships small trained runs (a Transformer and a distilled mask-predict model on the
sonnets, a PixelCNN on MNIST), marked starter, so that sampling, racing and completing a drawing
work at once. A new runs folder gets them on its first start; they are
ordinary runs otherwise, and one you delete stays deleted. --restore adds back the ones that are
missing; a run that is there is left as it is. Set ARS_NO_STARTERS=1 to start without them.

  --restore           add back the missing starter runs
${STUDIO_HELP}`,
  options: { restore: { type: 'boolean' }, ...STUDIO_OPTIONS },
  async run(values, io) {
    if (values.restore !== true) throw new UsageError('say --restore to add back the missing starter runs');
    return withClient(values, io, async (client) => {
      const result = await client.request('runs.restoreStarters', {});
      if (values.json === true) writeJson(io, result);
      else {
        for (const run of result.restored) io.stdout.write(`restored ${run.id} (${plainText(run.name)})\n`);
        if (result.present.length) io.stdout.write(`already there: ${result.present.join(', ')}\n`);
        if (result.restored.length + result.present.length === 0) io.stdout.write('this build ships no starter runs\n');
      }
      return EXIT_OK;
    });
  },
};

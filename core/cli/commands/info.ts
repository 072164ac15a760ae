import type { Command } from '../command.ts';
import { EXIT_OK } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS } from '../flags.ts';
import { withClient } from '../studioAccess.ts';

export const infoCommand: Command = {
  summary: 'show the compute backend and why it was chosen',
  help: `Usage: ars info [options]

Shows the backend, the device, and why each other rung of the backend ladder was passed over.

${STUDIO_HELP}`,
  options: STUDIO_OPTIONS,
  run: (values, io) =>
    withClient(values, io, async (client) => {
      const report = await client.request('info', {});
      if (values.json === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        // Loaded here: it brings TensorFlow.js, which the other commands load only through the Studio.
        const { formatBackendInfo } = await import('../../tensor/backend.ts');
        io.stdout.write(`${formatBackendInfo(report)}\n`);
      }
      return EXIT_OK;
    }),
};

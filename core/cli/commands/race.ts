import type { z } from 'zod';
import { RaceOptions } from '../../generate/options.ts';
import { laneLabel } from '../../generate/raceLanes.ts';
import type { LaneResult } from '../../protocol/messages.ts';
import type { Command } from '../command.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { checkAgainst, defined, intValue, optInt, optNumber, required, str } from '../flagValues.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { formatRaceTable } from '../format.ts';
import { writeJson } from '../io.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import { SAMPLE_FLAGS } from './sample.ts';

type RaceOptionsInput = z.input<typeof RaceOptions>;

export const raceCommand: Command = {
  summary: 'race AR and NAR generation side by side and compare them',
  help: `Usage: ars race --ar RUN --nar RUN --length N [options]

Generates with every strategy from one prompt, length and seed — AR naive, AR + KV cache,
NAR one shot, NAR mask-predict (T passes) and the hybrid (NAR drafts, AR verifies) — and
reports each lane's text, sequential steps, wall time, tokens/s, and quality under the AR
model: NLL per token, perplexity, repeated-token rate, distinct-1/2.

  --ar RUN            a trained transformer run (autoregressive): ${RUN_REF_HELP}
  --nar RUN           a trained nar run on the same text (latest: the newest nar run)
  --length N          tokens to generate
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --temperature X     0 is greedy (default 1)
  --top-k N, --top-p X as for ars sample
  --iterations T      mask-predict passes for the NAR T=k lane (default 4)
  --draft K           tokens the NAR model drafts per hybrid round (default 4)
${STUDIO_HELP}`,
  options: {
    ...stringFlags('ar', 'nar', 'length', 'prompt', 'seed', 'temperature', 'top-k', 'top-p', 'iterations', 'draft'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const arRef = required(values, 'ar', 'race');
    const narRef = required(values, 'nar', 'race');
    const options: RaceOptionsInput = defined({
      length: intValue('length', required(values, 'length', 'race')),
      prompt: str(values, 'prompt'),
      temperature: optNumber(values, 'temperature'),
      topK: optInt(values, 'top-k'),
      topP: optNumber(values, 'top-p'),
      seed: optInt(values, 'seed'),
      iterations: optInt(values, 'iterations'),
      draft: optInt(values, 'draft'),
    });
    checkAgainst(RaceOptions, options, { ...SAMPLE_FLAGS, draft: '--draft' });
    const settings = RaceOptions.parse(options);
    return withClient(values, io, async (client) => {
      const arRunId = (await resolveRun(client, arRef, '--ar', 'transformer')).id;
      const narRunId = (await resolveRun(client, narRef, '--nar', 'nar')).id;
      let results: LaneResult[] = [];
      const outcome = await followJob(client, () => client.request('race.start', { arRunId, narRunId, options }), io, (e) => {
        if (e.kind === 'race-finished' && values.json !== true) io.stderr.write(`finished ${e.finishOrder}: ${laneLabel(e.lane, settings)} (${e.laneMs.toFixed(0)} ms)\n`);
        if (e.kind === 'race-results') results = e.lanes;
      });
      if (values.json === true) writeJson(io, { arRunId, narRunId, prompt: options.prompt ?? '', lanes: results, state: outcome.reason });
      else io.stdout.write(`${formatRaceTable(results)}\n`);
      return jobExitStatus(outcome);
    });
  },
};

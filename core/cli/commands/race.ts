import type { z } from 'zod';
import { DEFAULT_DRAFT, defaultDraft, RaceOptions } from '../../generate/options.ts';
import { frontierLabel, laneLabel } from '../../generate/raceLanes.ts';
import type { FrontierPoint, LaneResult } from '../../protocol/messages.ts';
import type { Command } from '../command.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { checkAgainst, defined, intValue, optInt, required, str } from '../flagValues.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { formatFrontierTable, formatRaceTable } from '../format.ts';
import { writeJson } from '../io.ts';
import { resolveRun, RUN_REF_HELP } from '../runRef.ts';
import { withClient } from '../studioAccess.ts';
import { SAMPLE_FLAGS, sampleFlagOptions } from './sample.ts';

type RaceOptionsInput = z.input<typeof RaceOptions>;

export const raceCommand: Command = {
  summary: 'race AR and NAR generation side by side and compare them',
  help: `Usage: ars race --ar RUN --nar RUN [--drafter RUN] --length N [options]

Generates with every strategy from one prompt, length and seed — AR naive, AR + KV cache,
NAR one shot, NAR mask-predict (T passes) and the hybrid (a drafter proposes K tokens, the
AR model verifies them in one pass: speculative decoding) — each warmed up before its clock
starts, and reports each lane's text, sequential model passes (steps; the hybrid's AR and
drafter passes apart), wall time, tokens/s, and quality under the AR model: NLL per token,
perplexity, repeated-token rate, distinct-1/2. Then the quality–speed frontier: each
strategy alone (mask-predict at T = 1, 2, 4, 10, the hybrid at K = 1, 2, 4, 8), ms per token
against NLL per character under the AR model.

  --ar RUN            a trained transformer run (autoregressive): ${RUN_REF_HELP}
  --nar RUN           a trained nar run on the same text (latest: the newest nar run)
  --drafter RUN       what drafts for the hybrid: a nar run, or a (small) transformer run
                      on the same text (default: the --nar run); one trained with
                      ars train --distill-from <the --ar run> agrees with it most often
  --length N          tokens to generate
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --temperature X     0 is greedy (default 1)
  --top-k N, --top-p X as for ars sample
  --iterations T      mask-predict passes for the NAR T=k lane (default 4)
  --choice-noise X    mask-predict's choice noise (as for ars sample; default 0)
  --draft K           tokens the drafter proposes per hybrid round (default ${DEFAULT_DRAFT.nar}; ${DEFAULT_DRAFT.ar} when a
                      transformer run drafts: on a CPU that is usually the fastest)
${STUDIO_HELP}`,
  options: {
    ...stringFlags('ar', 'nar', 'drafter', 'length', 'prompt', 'seed', 'temperature', 'top-k', 'top-p', 'iterations', 'choice-noise', 'draft'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const arRef = required(values, 'ar', 'race');
    const narRef = required(values, 'nar', 'race');
    const drafterRef = str(values, 'drafter');
    const length = intValue('length', required(values, 'length', 'race'));
    let options: RaceOptionsInput = defined({ ...sampleFlagOptions(values), length, draft: optInt(values, 'draft') });
    checkAgainst(RaceOptions, options, { ...SAMPLE_FLAGS, draft: '--draft' });
    return withClient(values, io, async (client) => {
      const arRunId = (await resolveRun(client, arRef, '--ar', 'transformer')).id;
      const narRunId = (await resolveRun(client, narRef, '--nar', 'nar')).id;
      const drafter = drafterRef === undefined ? undefined : await resolveRun(client, drafterRef, '--drafter');
      const drafterRunId = drafter?.id;
      if (options.draft === undefined) options = { ...options, draft: defaultDraft(drafter?.model.family === 'transformer') };
      const settings = RaceOptions.parse(options);
      let results: LaneResult[] = [];
      const frontier: FrontierPoint[] = [];
      const params = { arRunId, narRunId, ...(drafterRunId !== undefined ? { drafterRunId } : {}), options };
      const outcome = await followJob(client, () => client.request('race.start', params), io, (e) => {
        if (e.kind === 'race-finished' && values.json !== true) io.stderr.write(`finished ${e.finishOrder}: ${laneLabel(e.lane, settings)} (${e.laneMs.toFixed(0)} ms)\n`);
        if (e.kind === 'race-results') results = e.lanes;
        if (e.kind === 'race-frontier') {
          frontier.push(e.point);
          if (values.json !== true) io.stderr.write(`frontier ${e.index + 1}/${e.total}: ${frontierLabel(e.point)}\n`);
        }
      });
      if (values.json === true)
        writeJson(io, { arRunId, narRunId, drafterRunId: drafterRunId ?? narRunId, prompt: options.prompt ?? '', lanes: results, frontier, state: outcome.reason });
      else io.stdout.write(`${formatRaceTable(results)}\n${frontier.length ? `\n${formatFrontierTable(frontier)}\n` : ''}`);
      return jobExitStatus(outcome);
    });
  },
};

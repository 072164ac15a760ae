import { SampleOptions, type SampleOptionsInput } from '../../generate/options.ts';
import type { Command } from '../command.ts';
import { drawImages } from '../drawImages.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags, type Values } from '../flags.ts';
import { checkAgainst, defined, intValue, optInt, optNumber, required, str } from '../flagValues.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { writeJson, type CliIo } from '../io.ts';
import { withClient } from '../studioAccess.ts';

/** The flag behind each sampling option, for usage errors (race adds its own). */
export const SAMPLE_FLAGS: Record<string, string> = {
  length: '--length',
  prompt: '--prompt',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  seed: '--seed',
  iterations: '--iterations',
};

async function sampleText(values: Values, io: CliIo): Promise<number> {
  const runId = required(values, 'run', 'sample');
  const length = intValue('length', required(values, 'length', 'sample'));
  const options: SampleOptionsInput = defined({
    length,
    prompt: str(values, 'prompt'),
    temperature: optNumber(values, 'temperature'),
    topK: optInt(values, 'top-k'),
    topP: optNumber(values, 'top-p'),
    seed: optInt(values, 'seed'),
    iterations: optInt(values, 'iterations'),
  });
  checkAgainst(SampleOptions, options, SAMPLE_FLAGS);
  const json = values.json === true;
  const prompt = options.prompt ?? '';
  let text = '';
  const tokens: number[] = [];
  const probs: number[] = [];
  return withClient(values, io, async (client) => {
    if (!json && prompt) io.stdout.write(prompt);
    let passes = 0;
    const outcome = await followJob(client, () => client.request('sample.start', { runId, options }), io, (e) => {
      if (e.kind === 'pass') {
        // Non-autoregressive: the whole text changes each pass; keep the latest canvas.
        passes++;
        tokens.splice(0, tokens.length, ...e.tokens.filter((t) => t >= 0));
        probs.splice(0, probs.length, ...e.probs.filter((_, i) => e.tokens[i]! >= 0));
        text = e.text.join('');
        return;
      }
      if (e.kind !== 'token') return;
      text += e.text;
      tokens.push(e.tokenId);
      probs.push(e.prob);
      if (!json) io.stdout.write(e.text);
    });
    if (!json && passes > 0) io.stdout.write(text);
    if (json) writeJson(io, { runId, prompt, text, tokens, probs, state: outcome.reason, summary: outcome.summary });
    else if (!(prompt + text).endsWith('\n')) io.stdout.write('\n');
    return jobExitStatus(outcome);
  });
}

export const sampleCommand: Command = {
  summary: 'generate text from a trained run',
  help: `Usage: ars sample --run ID --length N [options]

Streams generated text to stdout as it is produced (after the prompt, if any).

  --run ID            the run to sample from (see ars runs)
  --length N          characters to generate
  --temperature X     0 is greedy, 1 samples the model as is (default 1)
  --top-k N           keep only the N most likely characters; 0 is off (default 0)
  --top-p X           keep the smallest set of characters with this much probability; 1 is off (default 1)
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --iterations T      mask-predict passes for a nar run (default 4)
${STUDIO_HELP}

PixelCNN runs: ars sample --run ID --samples K --out grid.png [--seed N] [--method fast|band|naive]
draws K images and writes them side by side as a PNG.

With --json: one line { "runId", "prompt", "text", "tokens", "probs", "state", "summary" } at the end.`,
  options: {
    ...stringFlags('run', 'length', 'temperature', 'top-k', 'top-p', 'prompt', 'seed', 'iterations', 'samples', 'out', 'method'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    // --out or --samples: a PixelCNN run's images.
    if (str(values, 'out') !== undefined || str(values, 'samples') !== undefined) return drawImages(values, io, 'sample');
    return sampleText(values, io);
  },
};

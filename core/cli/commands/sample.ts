import { SampleOptions, type SampleOptionsInput } from '../../generate/options.ts';
import type { WorkerClient } from '../../protocol/client.ts';
import type { RunSummary } from '../../protocol/messages.ts';
import type { Command } from '../command.ts';
import { checkImageFlags, drawImages } from '../drawImages.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags, warnIgnored, type Values } from '../flags.ts';
import { checkAgainst, defined, optInt, optNumber, required, str } from '../flagValues.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { writeJson, type CliIo } from '../io.ts';
import { aRunOf, resolveRun, runModelName, RUN_REF_HELP } from '../runRef.ts';
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
  choiceNoise: '--choice-noise',
};

/** The sampling options the flags give, those not given left out (not yet checked against a schema). */
export function sampleFlagOptions(values: Values): SampleOptionsInput {
  return defined({
    length: optInt(values, 'length'),
    prompt: str(values, 'prompt'),
    temperature: optNumber(values, 'temperature'),
    topK: optInt(values, 'top-k'),
    topP: optNumber(values, 'top-p'),
    seed: optInt(values, 'seed'),
    iterations: optInt(values, 'iterations'),
    choiceNoise: optNumber(values, 'choice-noise'),
  });
}

/** The text-sampling options the flags give (--length is checked as required once the run is known). */
function textOptions(values: Values): SampleOptionsInput {
  const options = sampleFlagOptions(values);
  checkAgainst(SampleOptions, options, SAMPLE_FLAGS);
  return options;
}

/** Flags only a text run reads, and what each is for. */
const TEXT_ONLY_FLAGS: Record<string, string> = { length: 'text runs', prompt: 'text runs', 'top-k': 'text runs', 'top-p': 'text runs', iterations: 'nar runs', 'choice-noise': 'nar runs' };
/** Flags only a PixelCNN run reads. */
const IMAGE_ONLY_FLAGS: Record<string, string> = { samples: 'pixelcnn runs', out: 'pixelcnn runs', method: 'pixelcnn runs' };

async function sampleText(client: WorkerClient, run: RunSummary, values: Values, io: CliIo): Promise<number> {
  const runId = run.id;
  required(values, 'length', 'sample');
  const options = textOptions(values);
  const json = values.json === true;
  const prompt = options.prompt ?? '';
  let text = '';
  const tokens: number[] = [];
  const probs: number[] = [];
  // The prompt is printed with the first text after it: a prompt the model cannot read is refused
  // with nothing printed.
  let promptShown = json || prompt === '';
  const show = (s: string) => {
    if (!promptShown) io.stdout.write(prompt);
    promptShown = true;
    io.stdout.write(s);
  };
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
    if (!json) show(e.text);
  });
  if (!json && passes > 0) show(text);
  if (json) writeJson(io, { runId, prompt, text, tokens, probs, state: outcome.reason, summary: outcome.summary });
  else if (promptShown && !(prompt + text).endsWith('\n')) io.stdout.write('\n');
  return jobExitStatus(outcome);
}

export const sampleCommand: Command = {
  summary: 'generate text from a trained run',
  help: `Usage: ars sample --run RUN --length N [options]

Streams generated text to stdout as it is produced (after the prompt, if any).

  --run RUN           the run to sample from: ${RUN_REF_HELP}
  --length N          characters to generate
  --temperature X     0 is greedy, 1 samples the model as is (default 1)
  --top-k N           keep only the N most likely characters; 0 is off (default 0)
  --top-p X           keep the smallest set of characters with this much probability; 1 is off (default 1)
  --prompt TEXT       text to start from
  --seed N            random seed (default 1)
  --iterations T      mask-predict passes for a nar run (default 4)
  --choice-noise X    mask-predict's choice noise for a nar run: Gumbel noise on the confidence that
                      picks the slots to re-mask, fading by the last pass (default 0: the least confident)
${STUDIO_HELP}

PixelCNN runs: ars sample --run RUN --samples K --out grid.png [--seed N] [--temperature X]
[--method fast|band|naive] draws K images and writes them side by side as a PNG.
A flag the run does not read (--prompt for a pixelcnn run, --out for a text run, --iterations
for any but a nar run) is ignored with a warning on stderr.

With --json: one line { "runId", "prompt", "text", "tokens", "probs", "state", "summary" } at the end.`,
  options: {
    ...stringFlags('run', 'length', 'temperature', 'top-k', 'top-p', 'prompt', 'seed', 'iterations', 'choice-noise', 'samples', 'out', 'method'),
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const ref = required(values, 'run', 'sample');
    // Check the flags before the Studio opens: those of images when --out or --samples is given.
    const images = values.out !== undefined || values.samples !== undefined;
    if (images) checkImageFlags(values, 'sample');
    else textOptions(values);
    return withClient(values, io, async (client) => {
      const run = await resolveRun(client, ref, '--run');
      const model = runModelName(run);
      const here = `for ${aRunOf(model)}`;
      if (model === 'pixelcnn' || model === 'masked-image') {
        warnIgnored(values, io, TEXT_ONLY_FLAGS, here);
        return drawImages(client, run.id, values, io, 'sample');
      }
      warnIgnored(values, io, IMAGE_ONLY_FLAGS, here);
      if (model !== 'nar') warnIgnored(values, io, { iterations: TEXT_ONLY_FLAGS.iterations!, 'choice-noise': TEXT_ONLY_FLAGS['choice-noise']! }, here);
      return sampleText(client, run, values, io);
    });
  },
};

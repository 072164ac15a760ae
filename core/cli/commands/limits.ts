import { LIMITS_EXPERIMENTS, LimitsExperiment, LimitsSettings, type LimitsResult } from '../../limits/schemas.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../exitStatus.ts';
import { STUDIO_HELP, STUDIO_OPTIONS, stringFlags } from '../flags.ts';
import { checkAgainst, defined, optInt, required } from '../flagValues.ts';
import { followJob, jobExitStatus } from '../followJob.ts';
import { writeJson, type CliIo } from '../io.ts';
import { plainText } from '../../protocol/plainText.ts';
import { withClient } from '../studioAccess.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);

/** The measurements as a plain table. */
export function formatLimitsResult(r: LimitsResult): string {
  switch (r.experiment) {
    case 'context': {
      const lengths = [...new Set(r.points.map((p) => p.length))];
      const acc = (model: string, L: number) => r.points.find((p) => p.model === model && p.length === L)?.accuracy;
      const rows = lengths.map((L) => `${String(L).padStart(6)}  ${L <= r.fits ? 'fits  ' : 'beyond'}  ${pct(acc('transformer', L) ?? NaN)}  ${pct(acc('lstm', L) ?? NaN)}`);
      return [`length  window  transformer    lstm   (window ${r.context} tokens: copies of up to ${r.fits} fit)`, ...rows].join('\n');
    }
    case 'accumulation': {
      const positions = [...new Set(r.points.map((p) => p.position))];
      const acc = (mode: string, i: number) => r.points.find((p) => p.mode === mode && p.position === i)?.accuracy ?? NaN;
      const first = (i: number) => r.firstErrors.find((f) => f.position === i)?.share ?? 0;
      const rows = positions.map((i) => `${String(i).padStart(6)}  ${pct(acc('teacher', i))}  ${pct(acc('free', i))}  ${pct(first(i))}`);
      return ['number  teacher    free   first error here', ...rows].join('\n');
    }
    case 'modes': {
      const rows = r.strategies.map((s) => `${s.strategy.padEnd(16)} ${pct(s.mixRate)}  ${String(s.first).padStart(5)}  ${String(s.second).padStart(5)}  ${s.examples.slice(0, 3).join(' ')}`);
      return [`strategy          mixed  ${r.answers[0].padStart(5)}  ${r.answers[1].padStart(5)}  examples`, ...rows].join('\n');
    }
  }
}

/** Progress on stderr: a line that rewrites itself on a terminal, a line per phase in a log. */
function progressPrinter(io: CliIo): { show(phase: string, step: number, total: number): void; end(): void } {
  const tty = io.stderr.isTTY === true;
  let phase = '';
  let open = false;
  return {
    show(p, step, total) {
      if (tty) {
        io.stderr.write(`\r${p}: ${step}/${total}\x1b[K`);
        open = true;
      } else if (p !== phase) io.stderr.write(`${p}…\n`);
      phase = p;
    },
    end() {
      if (open) io.stderr.write('\n');
      open = false;
    },
  };
}

export const limitsCommand: Command = {
  summary: 'run a Limits lab experiment: context length, error accumulation or mixed modes',
  help: `Usage: ars limits --experiment context|accumulation|modes [options]

Trains small models on a synthetic task whose right answers are known, measures one limit of
autoregressive (or non-autoregressive) generation, and prints the figures and a caption. Takes
about a minute on a laptop's CPU; the models it trains are kept as ordinary runs (see ars runs).

  context        a copy task: accuracy of the copied part against the string's length, for a
                 causal Transformer (near perfect while the copy fits its window, lost past it)
                 and an LSTM of similar size (fades as the string grows)
  accumulation   counting: each number's accuracy given the true count before it (teacher
                 forcing) and running on the model's own output (free running)
  modes          two right answers to every prompt: how often each strategy mixes them (AR, NAR
                 one shot, mask-predict with 4 and 10 passes, a NAR distilled from the AR model)

  --experiment NAME   ${LIMITS_EXPERIMENTS.join(', ')}
  --seed N            random seed for the data, the models and sampling (default 1)
  --quick             tiny models and a few steps: seconds, a smoke check (the figures mean little)
${STUDIO_HELP}`,
  options: {
    ...stringFlags('experiment', 'seed'),
    quick: { type: 'boolean' },
    ...STUDIO_OPTIONS,
  },
  async run(values, io) {
    const experiment = required(values, 'experiment', 'limits');
    if (!LimitsExperiment.safeParse(experiment).success) throw new UsageError(`--experiment must be one of ${LIMITS_EXPERIMENTS.join(', ')} (got '${experiment}')`);
    const input = defined({ experiment, seed: optInt(values, 'seed'), quick: values.quick === true ? true : undefined });
    checkAgainst(LimitsSettings, input, { seed: '--seed', experiment: '--experiment' });
    const settings = LimitsSettings.parse(input);
    return withClient(values, io, async (client) => {
      let result: LimitsResult | null = null;
      const runs: { role: string; runId: string; name: string }[] = [];
      const progress = progressPrinter(io);
      const outcome = await followJob(client, () => client.request('limits.run', settings), io, (e) => {
        if (e.kind === 'limits-progress') progress.show(e.phase, e.step, e.total);
        if (e.kind === 'limits-run') runs.push({ role: e.role, runId: e.runId, name: e.name });
        if (e.kind === 'limits-result') result = e.result;
      });
      progress.end();
      const r = result as LimitsResult | null;
      const kept = runs.map((k) => `  ${k.runId}  ${plainText(k.name)}`).join('\n');
      if (values.json === true) writeJson(io, { ...(r ?? { experiment }), seed: settings.seed, state: outcome.reason, runs });
      else if (r) io.stdout.write(`${formatLimitsResult(r)}\n\n${r.caption}\n${runs.length ? `\nModels kept as runs:\n${kept}\n` : ''}`);
      else io.stdout.write(`stopped before the experiment finished${runs.length ? `\nModels kept as runs:\n${kept}` : ''}\n`);
      return jobExitStatus(outcome);
    });
  },
};

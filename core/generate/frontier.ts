import type { CharVocabulary } from '../data/vocabulary.ts';
import { startToken } from './autoregressive.ts';
import { createBreather, noBreathing } from './breathing.ts';
import { frontierSettings, type FrontierPoint, type RaceOptions } from './options.ts';
import { laneGenerator, warmUpLane, type LaneId, type RaceModels } from './race.ts';
import { scoreText } from './quality.ts';
import type { TextGenerationEvent } from './textEvents.ts';

/** A frontier point as it is measured: the point, and how many of how many are done. */
export interface FrontierProgress {
  point: FrontierPoint;
  index: number;
  total: number;
}

/**
 * The quality–speed frontier: every strategy alone (AR naive, AR + KV cache, mask-predict at
 * T = 1, 2, 4, 10, the hybrid at k = 1, 2, 4, 8), each after a discarded warm-up, at the race's
 * length, prompt, seed and sampling. Each point is its milliseconds per token (the strategy's
 * own steps: the event loop's turns between them are not counted) and the NLL per character of
 * its text under the AR model. Stops between and within points when `signal` aborts.
 */
export async function* measureFrontier(models: RaceModels, vocab: CharVocabulary, options: RaceOptions, signal?: AbortSignal): AsyncGenerator<FrontierProgress> {
  const settings = frontierSettings();
  const context = [startToken(vocab), ...vocab.encode(options.prompt)];
  for (const [index, s] of settings.entries()) {
    if (signal?.aborted) return;
    const lane: LaneId = s.strategy === 'mask-predict' ? 'nar-k' : s.strategy;
    const o: RaceOptions = { ...options, iterations: s.iterations ?? options.iterations, draft: s.draft ?? options.draft };
    await warmUpLane(lane, models, vocab, o, signal);
    // The strategy's own steps only: the event loop gets its turns between them, off the clock
    // (as in runRace).
    const steps = laneGenerator(lane, models, vocab, o, signal, noBreathing);
    const breathe = createBreather();
    let done: Extract<TextGenerationEvent, { kind: 'done' }> | null = null;
    let ms = 0;
    for (;;) {
      await breathe();
      const t0 = performance.now();
      const next = await steps.next();
      ms += performance.now() - t0;
      if (next.done) break;
      if (next.value.kind === 'done') done = next.value;
    }
    if (signal?.aborted || !done || done.tokens === 0) return;
    const scorer = models.ar.createDecoder();
    let nll: number;
    try {
      nll = scoreText(scorer, context, done.tokenIds).nll;
    } finally {
      scorer.dispose();
    }
    yield { point: { ...s, msPerToken: ms / done.tokens, nll }, index, total: settings.length };
  }
}

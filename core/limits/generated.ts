import type { TextGenerationEvent } from '../generate/textEvents.ts';

/** The token ids a text generator finished with (its `done` event), or null when it was cancelled. */
export async function finalTokens(events: AsyncIterable<TextGenerationEvent>): Promise<number[] | null> {
  for await (const e of events) {
    if (e.kind === 'done') return e.reason === 'completed' ? e.tokenIds : null;
  }
  return null;
}

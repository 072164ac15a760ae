/** Events every text generator streams (AR, NAR, hybrid), so one UI can show them all. */
export type TextGenerationEvent =
  /** A token appended at `index` (left-to-right strategies). */
  | { kind: 'token'; index: number; tokenId: number; text: string; prob: number }
  /** The whole canvas after a parallel pass (NAR): every slot's token (-1 = still masked) and probability. */
  | { kind: 'pass'; iteration: number; tokens: number[]; text: string[]; probs: number[]; predicted: number[]; steps: number }
  /** A speculative round: how many drafted tokens the AR model accepted. */
  | { kind: 'draft'; proposed: number; accepted: number; steps: number }
  | {
      kind: 'done';
      reason: 'completed' | 'cancelled';
      text: string;
      tokenIds: number[];
      tokens: number;
      /** Sequential model passes taken (the latency-relevant count). */
      steps: number;
      elapsedMs: number;
      msPerToken: number;
      /** Speculative decoding: the AR (verification) passes and the drafter's passes; `steps` is their sum. */
      arPasses?: number;
      drafterPasses?: number;
    };

/** The final event of a text generator: the text of `tokenIds`, its step count and timing. */
export function doneEvent(
  reason: 'completed' | 'cancelled',
  tokenIds: number[],
  decode: (ids: number[]) => string,
  steps: number,
  started: number,
): Extract<TextGenerationEvent, { kind: 'done' }> {
  const elapsedMs = performance.now() - started;
  const n = tokenIds.length;
  return { kind: 'done', reason, text: decode(tokenIds), tokenIds, tokens: n, steps, elapsedMs, msPerToken: n ? elapsedMs / n : 0 };
}

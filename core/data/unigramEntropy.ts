/**
 * The entropy, in nats per character, of a text's code-point frequencies: −Σ p(c)·ln p(c). A model
 * that learnt only how often each character occurs (no context) has a loss near this; one below
 * it uses context. 0 for an empty text or a text of one repeated character.
 */
export function unigramEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    counts.set(cp, (counts.get(cp) ?? 0) + 1);
  }
  return entropyOfCounts(counts.values());
}

/** unigramEntropy of text already encoded one id per code point (as CharVocabulary encodes), over all `parts`. */
export function unigramEntropyOfIds(...parts: readonly ArrayLike<number>[]): number {
  const counts = new Map<number, number>();
  for (const ids of parts) for (let i = 0; i < ids.length; i++) counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
  return entropyOfCounts(counts.values());
}

function entropyOfCounts(counts: Iterable<number>): number {
  const all = [...counts];
  const n = all.reduce((a, b) => a + b, 0);
  if (n === 0) return 0;
  let h = 0;
  for (const c of all) h -= (c / n) * Math.log(c / n);
  return h === 0 ? 0 : h; // never −0
}

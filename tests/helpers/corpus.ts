/** A small repetitive corpus a recurrent model can learn in a few hundred steps. */
export const REPETITIVE_TEXT = 'the cat sat on the mat. the dog sat on the log. '.repeat(60);

/** Entropy (nats) of the character unigram distribution of `text`. */
export function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  const chars = [...text];
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    h -= p * Math.log(p);
  }
  return h;
}

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

/**
 * A synthetic Chinese text of `length` characters: a seeded Markov chain over `distinct` CJK code
 * points (each with four likely successors), astral-plane ideographs (𠀀 U+20000 on, two UTF-16
 * units each) among them, lines of poem-like length with full-width punctuation.
 */
export function chineseMarkovText(length: number, distinct = 3000, seed = 1): string {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const astral = 40;
  const chars = [
    ...Array.from({ length: distinct - astral }, (_, i) => String.fromCodePoint(0x4e00 + i)),
    ...Array.from({ length: astral }, (_, i) => String.fromCodePoint(0x20000 + 7 * i)),
  ];
  const successors = chars.map(() => Array.from({ length: 4 }, () => Math.floor(next() * chars.length)));
  let out = '';
  let current = 0;
  for (let i = 0, col = 0; i < length; i++) {
    if (col === 7) {
      out += next() < 0.5 ? '，' : '。\n';
      col = 0;
      continue;
    }
    // Mostly a likely successor, sometimes any character: every one of them occurs.
    current = next() < 0.85 ? successors[current]![Math.floor(next() * 4)]! : Math.floor(next() * chars.length);
    out += chars[current]!;
    col++;
  }
  return out;
}

/** Whether `s` is well-formed UTF-16: no surrogate without its other half (String.isWellFormed, ES2024). */
export function wellFormed(s: string): boolean {
  for (const ch of s) if (ch.length === 1 && ch >= '\uD800' && ch <= '\uDFFF') return false;
  return true;
}

import { DatasetError } from '../errors.ts';

/**
 * The most characters a vocabulary (and so a text model's embedding and output layer) may hold.
 * Chinese text needs a few thousand; the limit keeps a model of every family within memory.
 */
export const MAX_VOCABULARY_SIZE = 100_000;

/**
 * A character vocabulary over Unicode code points (so CJK and emoji round-trip exactly: a
 * multi-code-point emoji is several tokens, each reproduced as it was).
 */
export class CharVocabulary {
  private readonly index: Map<string, number>;

  private constructor(readonly chars: readonly string[]) {
    if (chars.length > MAX_VOCABULARY_SIZE) {
      throw new DatasetError(
        `the text has ${chars.length.toLocaleString('en-US')} different characters, more than the ${MAX_VOCABULARY_SIZE.toLocaleString('en-US')} ` +
          `a model's vocabulary can hold: use a text with fewer different characters`,
      );
    }
    this.index = new Map(chars.map((c, i) => [c, i]));
    if (this.index.size !== chars.length) throw new DatasetError('the vocabulary lists a character twice');
  }

  /** The sorted set of code points in `text`. */
  static fromText(text: string): CharVocabulary {
    const set = new Set<string>();
    for (const ch of text) set.add(ch);
    return new CharVocabulary([...set].sort());
  }

  /** Rebuilds a vocabulary saved with `toJSON`. */
  static fromJSON(chars: unknown): CharVocabulary {
    if (!Array.isArray(chars) || chars.some((c) => typeof c !== 'string' || [...c].length !== 1)) {
      throw new DatasetError('a saved vocabulary must be a list of single characters');
    }
    return new CharVocabulary(chars as string[]);
  }

  get size(): number {
    return this.chars.length;
  }

  has(ch: string): boolean {
    return this.index.has(ch);
  }

  /** Encodes every code point; throws DatasetError naming the first unknown character. */
  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.index.get(ch);
      if (id === undefined) {
        throw new DatasetError(`the character ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) is not in this model's vocabulary`);
      }
      out.push(id);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.token(ids[i]!);
    return s;
  }

  token(id: number): string {
    const ch = this.chars[id];
    if (ch === undefined) throw new DatasetError(`token id ${id} is outside the vocabulary (size ${this.size})`);
    return ch;
  }

  toJSON(): string[] {
    return [...this.chars];
  }
}

import { describe, expect, it } from 'vitest';
import { CharVocabulary, MAX_VOCABULARY_SIZE } from '../../../core/data/vocabulary.ts';
import { DatasetError } from '../../../core/errors.ts';
import { chineseMarkovText, wellFormed } from '../../helpers/corpus.ts';

const LONE_SURROGATE = /[\uD800-\uDFFF]/;

describe('CharVocabulary', () => {
  it('round-trips any Unicode text exactly, CJK and emoji included', () => {
    const text = 'Shall I compare thee?\n春眠不覺曉，處處聞啼鳥。 👩‍👩‍👧 🎉 café ñ 𝔘';
    const vocab = CharVocabulary.fromText(text);
    expect(vocab.decode(vocab.encode(text))).toBe(text);
    // One token per code point: the astral 𝔘 is one token, not two UTF-16 halves.
    expect(vocab.encode('𝔘')).toHaveLength(1);
  });

  it('survives a JSON round trip with the same ids', () => {
    const vocab = CharVocabulary.fromText('hello, 世界');
    const again = CharVocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
    expect([...again.encode('hell, 世界 ole')]).toEqual([...vocab.encode('hell, 世界 ole')]);
  });

  it('names the character it cannot encode', () => {
    const vocab = CharVocabulary.fromText('abc');
    expect(() => vocab.encode('abz')).toThrow(DatasetError);
    expect(() => vocab.encode('abz')).toThrow(/"z"/);
  });

  it('refuses a malformed saved vocabulary', () => {
    expect(() => CharVocabulary.fromJSON(['a', 'bc'])).toThrow(DatasetError);
    expect(() => CharVocabulary.fromJSON('abc')).toThrow(DatasetError);
  });

  it('never splits a surrogate pair: a Chinese text with astral characters is one token per code point', () => {
    const text = chineseMarkovText(20_000) + '𠀀𪚥𝔘';
    const vocab = CharVocabulary.fromText(text);
    expect(vocab.size).toBeGreaterThan(2900);
    for (const ch of vocab.chars) {
      expect([...ch]).toHaveLength(1);
      if (ch.length === 2) expect(ch.codePointAt(0)).toBeGreaterThan(0xffff); // a whole pair, not two halves
      else expect(ch).not.toMatch(LONE_SURROGATE);
    }
    const ids = vocab.encode(text);
    expect(ids).toHaveLength([...text].length);
    expect(ids.length).toBeLessThan(text.length); // the astral characters are two UTF-16 units, one token
    expect(vocab.decode(ids)).toBe(text);
    expect(vocab.decode(vocab.encode('𠀀'))).toBe('𠀀');
    // Any ids decode to well-formed text (what sampling writes).
    const random = Int32Array.from({ length: 5000 }, (_, i) => (i * 7919) % vocab.size);
    expect(wellFormed(vocab.decode(random))).toBe(true);
    expect(wellFormed('a\uD840b')).toBe(false);
  });

  it(`refuses a text with more than ${MAX_VOCABULARY_SIZE.toLocaleString('en-US')} different characters, naming the limit`, () => {
    const codePoints = (n: number) => {
      let s = '';
      for (let cp = 0x100, k = 0; k < n; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        s += String.fromCodePoint(cp);
        k++;
      }
      return s;
    };
    expect(CharVocabulary.fromText(codePoints(MAX_VOCABULARY_SIZE)).size).toBe(MAX_VOCABULARY_SIZE);
    const tooMany = codePoints(MAX_VOCABULARY_SIZE + 1);
    expect(() => CharVocabulary.fromText(tooMany)).toThrow(DatasetError);
    expect(() => CharVocabulary.fromText(tooMany)).toThrow(/100,001 different characters, more than the 100,000 a model's vocabulary can hold/);
    expect(() => CharVocabulary.fromJSON([...tooMany])).toThrow(/100,000/);
  });
});

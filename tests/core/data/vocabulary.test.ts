import { describe, expect, it } from 'vitest';
import { CharVocabulary } from '../../../core/data/vocabulary.ts';
import { DatasetError } from '../../../core/errors.ts';

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
});

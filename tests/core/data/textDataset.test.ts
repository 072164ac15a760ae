import { describe, expect, it } from 'vitest';
import { TextDataset, sampleBatch } from '../../../core/data/textDataset.ts';
import { decodeText, loadTextSource } from '../../../core/data/textSource.ts';
import { DatasetError } from '../../../core/errors.ts';
import { createRng } from '../../../core/rng.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe('TextDataset and batches', () => {
  const text = 'the quick brown fox jumps over the lazy dog. '.repeat(40);

  it('splits into a training part and a validation tail', () => {
    const ds = TextDataset.fromText('t', text, { valFraction: 0.1 });
    expect(ds.train.length + ds.validation.length).toBe([...text].length);
    expect(ds.validation.length).toBe(Math.floor(text.length * 0.1));
    expect(ds.vocab.decode(ds.validation)).toBe(text.slice(text.length - ds.validation.length));
  });

  it('gives batches of the right shape whose targets are the inputs shifted by one', () => {
    const ds = TextDataset.fromText('t', text, { valFraction: 0.1 });
    const b = sampleBatch(ds.train, 8, 16, createRng(3));
    expect(b.inputs).toHaveLength(8 * 16);
    expect(b.targets).toHaveLength(8 * 16);
    const decoded = ds.vocab.decode(ds.train);
    for (let row = 0; row < 8; row++) {
      const inp = ds.vocab.decode(b.inputs.subarray(row * 16, row * 16 + 16));
      const tgt = ds.vocab.decode(b.targets.subarray(row * 16, row * 16 + 16));
      expect(inp.slice(1)).toBe(tgt.slice(0, 15));
      // The window (input plus its last target) is a real slice of the text.
      expect(decoded.includes(inp + tgt.slice(-1))).toBe(true);
    }
  });

  it('is deterministic for a seed', () => {
    const ds = TextDataset.fromText('t', text, { valFraction: 0.1 });
    expect(sampleBatch(ds.train, 4, 8, createRng(9)).inputs).toEqual(sampleBatch(ds.train, 4, 8, createRng(9)).inputs);
  });

  it('says when a corpus is too short for one window', () => {
    const ds = TextDataset.fromText('short.txt', 'just a few words here', { valFraction: 0.1 });
    expect(() => ds.checkFits(64)).toThrow(DatasetError);
    expect(() => ds.checkFits(64)).toThrow(/too short/);
  });
});

describe('text sources', () => {
  it('loads the built-in sonnets', async () => {
    const { name, text } = await loadTextSource({ kind: 'builtin', name: 'sonnets' });
    expect(name).toBe('sonnets');
    expect(text).toContain('Shall I compare thee to a summer');
    expect(text.length).toBeGreaterThan(90_000);
  });

  it('refuses an empty file, a non-UTF-8 file and a binary file with a DatasetError that says which', async () => {
    expect(() => decodeText('e.txt', new Uint8Array())).toThrow(/empty/);
    expect(() => decodeText('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x21]))).toThrow(/not UTF-8/);
    const binary = new Uint8Array(200).map((_, i) => (i % 7 === 0 ? 0 : 65));
    expect(() => decodeText('x.bin', binary)).toThrow(/binary/);
    // A file of another kind is named as what it is (an image where text is expected).
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(() => decodeText('digit.png', png)).toThrow(/"digit\.png" is a PNG image, not text.*Image lab/);
    expect(() => decodeText('a.gz', new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip archive, not text/);
    const dir = mkdtempSync(join(tmpdir(), 'ars-data-'));
    writeFileSync(join(dir, 'empty.txt'), '');
    await expect(loadTextSource({ kind: 'file', path: join(dir, 'empty.txt') })).rejects.toBeInstanceOf(DatasetError);
    await expect(loadTextSource({ kind: 'file', path: join(dir, 'missing.txt') })).rejects.toThrow(/does not exist/);
  });

  it('reads a UTF-8 file with CRLF line ends as plain newlines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ars-data-'));
    writeFileSync(join(dir, 'poem.txt'), '\ufeffline one\r\nline two 詩\r\n');
    const { name, text } = await loadTextSource({ kind: 'file', path: join(dir, 'poem.txt') });
    expect(name).toBe('poem.txt');
    expect(text).toBe('line one\nline two 詩\n');
  });
});

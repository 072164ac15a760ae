import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TarError, packTar, unpackTar } from '../../../core/runs/tar.ts';

const hasTar = (() => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasTar) console.log('[tar] interoperability checks skipped: no tar command on this machine');

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
const LONG = `${'a-very-long-run-id-'.repeat(4)}0123/checkpoints/step-000000300/weights.bin`; // over 100 bytes: ustar's prefix field

describe('tar archives', () => {
  it('round-trips files of any size, long paths included', () => {
    const entries = [
      { name: 'run/run.json', data: new TextEncoder().encode('{"a":1}') },
      { name: 'run/empty.txt', data: new Uint8Array(0) },
      { name: 'run/exactly-one-block.bin', data: bytes(512) },
      { name: LONG, data: bytes(70_001, 3) },
      { name: 'run/ünïcode ✓.txt', data: bytes(5) },
    ];
    expect(LONG.length).toBeGreaterThan(100);
    const back = unpackTar(packTar(entries));
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => expect(e.data).toEqual(entries[i]!.data));
  });

  it('refuses damaged, truncated and foreign input, saying which', () => {
    const good = packTar([{ name: 'run/a.bin', data: bytes(2000) }, { name: 'run/b.bin', data: bytes(10) }]);
    const flipped = good.slice();
    flipped[2560 + 4] ^= 0x01; // in the second header's name: its checksum no longer matches
    expect(() => unpackTar(flipped)).toThrow(/the header of "run\/c.bin" fails its checksum/);
    flipped[4] ^= 0x01;
    expect(() => unpackTar(flipped)).toThrow(/not a tar archive/);
    expect(() => unpackTar(good.subarray(0, 1000))).toThrow(/truncated/);
    expect(() => unpackTar(new TextEncoder().encode('just some text'))).toThrow(TarError);
    expect(() => unpackTar(bytes(4096))).toThrow(TarError);
  });

  it.skipIf(!hasTar)('is read by the system tar, and reads what it writes (refusing its links)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ars-tar-'));
    const ours = join(dir, 'ours.tar');
    writeFileSync(ours, packTar([{ name: LONG, data: bytes(1234) }, { name: 'run/b.txt', data: new TextEncoder().encode('hello\n') }]));
    expect(execFileSync('tar', ['-tf', ours], { encoding: 'utf8' }).trim().split('\n')).toEqual([LONG, 'run/b.txt']);
    execFileSync('tar', ['-xf', ours, '-C', dir]);
    expect(new Uint8Array(readFileSync(join(dir, LONG)))).toEqual(bytes(1234));

    mkdirSync(join(dir, 'src', 'run', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'src', 'run', 'sub', 'c.bin'), bytes(3000, 9));
    const theirs = join(dir, 'theirs.tar');
    execFileSync('tar', ['--format=ustar', '-cf', theirs, '-C', join(dir, 'src'), 'run']);
    const files = unpackTar(new Uint8Array(readFileSync(theirs)));
    expect(files.map((f) => f.name)).toEqual(['run/sub/c.bin']); // folders are implied
    expect(files[0]!.data).toEqual(bytes(3000, 9));

    symlinkSync('/etc/passwd', join(dir, 'src', 'run', 'link'));
    execFileSync('tar', ['--format=ustar', '-cf', theirs, '-C', join(dir, 'src'), 'run']);
    expect(() => unpackTar(new Uint8Array(readFileSync(theirs)))).toThrow(/"run\/link", which is not a plain file or folder/);
  });
});

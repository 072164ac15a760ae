import { describe, expect, it } from 'vitest';
import { WireCodecError, decodeFrame, encodeFrame } from '../../../core/protocol/wireCodec.ts';

describe('wire codec', () => {
  it('round-trips messages with typed arrays as raw bytes', () => {
    const msg = { v: 1, params: { bytes: new Uint8Array([1, 2, 3]), f: new Float32Array([0.5, -2]), nested: [{ i: new Int32Array([7, -8, 9]) }] } };
    const frame = encodeFrame(msg);
    // The bytes travel raw, not as JSON numbers.
    expect(encodeFrame({ big: new Uint8Array(10_000) }).byteLength).toBeLessThan(10_200);
    const back = decodeFrame(frame) as typeof msg;
    expect(back.params.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.params.f).toEqual(new Float32Array([0.5, -2]));
    expect(back.params.nested[0]!.i).toEqual(new Int32Array([7, -8, 9]));
  });

  it('refuses truncated, non-JSON and overly deep frames', () => {
    const frame = encodeFrame({ a: new Uint8Array(100) });
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 50))).toThrow(WireCodecError);
    expect(() => decodeFrame(new Uint8Array([3, 0, 0, 0, 0x7b, 0x7b, 0x7b]))).toThrow(/not JSON/);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => decodeFrame(encodeFrame(deep))).toThrow(/deeper/);
  });

  it('keeps a "__proto__" key as plain data', () => {
    const header = new TextEncoder().encode('{"a":{"__proto__":{"polluted":true}}}');
    const frame = new Uint8Array(4 + header.byteLength);
    new DataView(frame.buffer).setUint32(0, header.byteLength, true);
    frame.set(header, 4);
    const back = decodeFrame(frame) as { a: Record<string, unknown> };
    expect(Object.getPrototypeOf(back.a)).toBe(Object.prototype);
    expect((back.a as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

/**
 * Encodes protocol messages for byte-stream transports (WebSocket): the message as JSON with
 * every typed array replaced by a placeholder, followed by the raw bytes of those arrays, so
 * binary payloads are never inflated into JSON numbers.
 *
 * Frame: [u32 LE header length][header JSON (UTF-8)][buffer 0][buffer 1]...
 */
const TYPED = {
  Uint8Array,
  Int32Array,
  Float32Array,
} as const;
type TypedName = keyof typeof TYPED;

interface Placeholder {
  $bin: number;
  type: TypedName;
  length: number;
}

const MAX_DEPTH = 64;

export class WireCodecError extends Error {
  override name = 'WireCodecError';
}

export function encodeFrame(message: unknown): Uint8Array<ArrayBuffer> {
  const buffers: Uint8Array[] = [];
  const header = JSON.stringify(message, (_key, value: unknown) => {
    for (const name of Object.keys(TYPED) as TypedName[]) {
      if (value instanceof TYPED[name]) {
        const view = value as InstanceType<(typeof TYPED)[TypedName]>;
        buffers.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
        const placeholder: Placeholder = { $bin: buffers.length - 1, type: name, length: view.length };
        return placeholder;
      }
    }
    return value;
  });
  const headerBytes = new TextEncoder().encode(header);
  const total = 4 + headerBytes.byteLength + buffers.reduce((n, b) => n + b.byteLength + pad(b.byteLength), 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, headerBytes.byteLength, true);
  out.set(headerBytes, 4);
  let offset = 4 + headerBytes.byteLength;
  for (const b of buffers) {
    out.set(b, offset);
    offset += b.byteLength + pad(b.byteLength);
  }
  return out;
}

function pad(n: number): number {
  return (4 - (n % 4)) % 4;
}

export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new WireCodecError('frame shorter than its header length');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (headerLength > frame.byteLength - 4) throw new WireCodecError('frame header length exceeds the frame');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength));
  } catch {
    throw new WireCodecError('frame header is not UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WireCodecError('frame header is not JSON');
  }
  // Locate the buffers in order of their index.
  const placeholders: Placeholder[] = [];
  collect(parsed, placeholders, 0);
  placeholders.sort((x, y) => x.$bin - y.$bin);
  const arrays = new Map<number, ArrayBufferView>();
  let offset = 4 + headerLength;
  for (let i = 0; i < placeholders.length; i++) {
    const p = placeholders[i]!;
    if (p.$bin !== i) throw new WireCodecError('frame buffer indices are not 0..n-1');
    const ctor = TYPED[p.type];
    const bytes = p.length * ctor.BYTES_PER_ELEMENT;
    if (offset + bytes > frame.byteLength) throw new WireCodecError('frame is shorter than its buffers');
    const copy = frame.slice(offset, offset + bytes);
    arrays.set(i, new ctor(copy.buffer, 0, p.length));
    offset += bytes + pad(bytes);
  }
  return revive(parsed, arrays);
}

function isPlaceholder(v: unknown): v is Placeholder {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.$bin === 'number' &&
    Number.isInteger(o.$bin) &&
    o.$bin >= 0 &&
    typeof o.type === 'string' &&
    Object.hasOwn(TYPED, o.type) &&
    typeof o.length === 'number' &&
    Number.isInteger(o.length) &&
    o.length >= 0
  );
}

function collect(v: unknown, out: Placeholder[], depth: number): void {
  if (depth > MAX_DEPTH) throw new WireCodecError(`message nests deeper than ${MAX_DEPTH} levels`);
  if (typeof v !== 'object' || v === null) return;
  if (isPlaceholder(v)) {
    out.push(v);
    return;
  }
  for (const child of Array.isArray(v) ? v : Object.values(v)) collect(child, out, depth + 1);
}

function revive(v: unknown, arrays: Map<number, ArrayBufferView>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isPlaceholder(v)) return arrays.get(v.$bin);
  if (Array.isArray(v)) return v.map((x) => revive(x, arrays));
  const out: Record<string, unknown> = {};
  // defineProperty: a "__proto__" key stays a plain key and never sets the prototype.
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: revive(x, arrays), enumerable: true, writable: true, configurable: true });
  return out;
}

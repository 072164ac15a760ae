/**
 * The messages between `ars serve` (the supervisor, workerProcess.ts) and its worker child
 * (childEntry.ts) over Node's IPC channel with `serialization: 'advanced'` (typed arrays survive).
 * Many client connections share the one channel: each message names its connection.
 *
 * The child's side of each connection is served by the dispatcher exactly like any other
 * transport: every protocol message is validated there.
 */

/** Supervisor → child. */
export type ToChild =
  | { t: 'open'; conn: number }
  | { t: 'msg'; conn: number; m: unknown }
  | { t: 'close'; conn: number };

/** Child → supervisor. */
export type FromChild =
  | { t: 'ready'; pid: number }
  | { t: 'fatal'; error: { code: string; message: string } }
  | { t: 'msg'; conn: number; m: unknown };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isConn(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function isToChild(v: unknown): v is ToChild {
  if (!isRecord(v) || !isConn(v.conn)) return false;
  return v.t === 'open' || v.t === 'close' || (v.t === 'msg' && 'm' in v);
}

export function isFromChild(v: unknown): v is FromChild {
  if (!isRecord(v)) return false;
  if (v.t === 'ready') return typeof v.pid === 'number';
  if (v.t === 'msg') return isConn(v.conn) && 'm' in v;
  if (v.t === 'fatal') {
    const e = v.error;
    return isRecord(e) && typeof e.code === 'string' && typeof e.message === 'string';
  }
  return false;
}

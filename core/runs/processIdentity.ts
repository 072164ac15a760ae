import { readFileSync } from 'node:fs';

/**
 * Which process is training a run, in a form that survives the process: its pid, and where the
 * platform tells it (Linux /proc), the time the process started. A pid alone is not enough:
 * after a crash the operating system may give the same number to an unrelated process, and a
 * run must not stay "training" forever because some other program now has its old pid.
 */
export interface ProcessOwner {
  pid: number;
  /** The process's start time as the kernel counts it (/proc/PID/stat field 22), or null. */
  pidStart: string | null;
}

/** This process, as recorded in run.json while it trains a run. */
export function currentProcessOwner(): ProcessOwner {
  return { pid: process.pid, pidStart: processStartId(process.pid) };
}

/**
 * The kernel's start time of process `pid` (Linux: clock ticks since boot, field 22 of
 * /proc/PID/stat), or null where the platform does not say (macOS, Windows) or the process is gone.
 */
export function processStartId(pid: number): string | null {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

/**
 * Whether the process recorded as `owner` is still running. A live pid whose start time differs
 * from the recorded one is another process that reused the number: not the owner.
 */
export function ownerAlive(owner: { pid: number | null; pidStart?: string | null }): boolean {
  const { pid } = owner;
  if (pid === null || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user; ESRCH: gone.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const recorded = owner.pidStart ?? null;
  if (recorded === null) return true; // nothing better to go on (older run.json, or not Linux)
  const now = processStartId(pid);
  // On Linux an unreadable /proc entry means the process is gone; elsewhere there is no way to tell.
  if (now === null) return process.platform !== 'linux';
  return now === recorded;
}

/** Small display helpers; nothing here decides anything. */

/** "1 h 02 min", "3 min 05 s", "42 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A loss with four significant digits, or a dash. */
export function formatLoss(loss: number | null | undefined): string {
  if (loss == null || !Number.isFinite(loss)) return '—';
  return loss.toPrecision(4);
}

/** "12,345" or "1.2 M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return Math.round(n).toLocaleString('en-US');
}

/** "1st", "2nd", "3rd", "4th", "11th", "22nd". */
export function formatOrdinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/**
 * A job's `done` summary in a line: its numbers only (text and ids are shown elsewhere), with
 * units for the ones the worker is known to send.
 */
export function formatSummary(summary: Record<string, string | number | boolean | null>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (key === 'tokens') parts.push(`${formatCount(value)} characters`);
    else if (key === 'msPerToken') parts.push(`${value.toPrecision(3)} ms per character`);
    else if (key === 'elapsedMs') parts.push(`${formatDuration(value / 1000)}`);
    else if (key === 'checkpointStep') parts.push(`checkpoint of step ${formatCount(value)}`);
    else parts.push(`${key} ${Number.isInteger(value) ? formatCount(value) : value.toPrecision(3)}`);
  }
  return parts.join(' · ');
}

/** A throughput: "1,234", "56.7", "0.42". */
export function formatRate(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 100) return formatCount(n);
  return Math.abs(n) >= 1 ? n.toFixed(1) : n.toPrecision(2);
}

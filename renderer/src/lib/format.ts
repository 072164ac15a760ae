/** Small display helpers, in the current language (i18n/translate.ts); nothing here decides anything. */
import { dateText, durationText, numberText, ordinalText, translate } from './i18n/translate.ts';

/** "1 h 02 min", "3 min 05 s", "42 s" (in the current language). */
export function formatDuration(seconds: number): string {
  return durationText(seconds);
}

/** A loss with four significant digits, or a dash. */
export function formatLoss(loss: number | null | undefined): string {
  if (loss == null || !Number.isFinite(loss)) return '—';
  return loss.toPrecision(4);
}

/** "12,345" or "1.2 M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1e6) return translate('units.million', { n: numberText(n / 1e6, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
  return numberText(Math.round(n));
}

/** "1st", "2nd", "3rd", "4th", "11th", "22nd" ("第 1 名" … in Chinese). */
export function formatOrdinal(n: number): string {
  return ordinalText(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatDate(iso: string): string {
  return dateText(iso);
}

/**
 * A job's `done` summary in a line: its numbers only (text and ids are shown elsewhere), with
 * units for the ones the worker is known to send.
 */
export function formatSummary(summary: Record<string, string | number | boolean | null>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(summary)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (key === 'tokens') parts.push(translate('units.characters', { n: formatCount(value) }));
    else if (key === 'msPerToken') parts.push(translate('units.msPerCharacter', { n: value.toPrecision(3) }));
    else if (key === 'elapsedMs') parts.push(`${formatDuration(value / 1000)}`);
    else if (key === 'checkpointStep') parts.push(translate('units.checkpointOfStep', { n: formatCount(value) }));
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

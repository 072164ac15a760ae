import { describeRunModel } from '../models/config.ts';
import { frontierLabel } from '../generate/raceLanes.ts';
import type { FrontierPoint, LaneResult } from '../protocol/messages.ts';
import type { ProgressEvent, RunDetail, RunSummary } from '../protocol/messages.ts';
import { plainText } from '../protocol/plainText.ts';

/** `3s`, `4m05s`, `2h03m`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1.5 KiB, 12.3 MiB. */
export function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatLoss(loss: number | null | undefined): string {
  return loss === null || loss === undefined || !Number.isFinite(loss) ? '-' : loss.toFixed(3);
}

/** East Asian wide and fullwidth characters (CJK ideographs, kana, hangul, fullwidth forms, most emoji): two terminal columns each. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/**
 * The longest start of `text` that fits in `columns` terminal columns, cut between characters
 * (never inside a surrogate pair), a wide character counting two.
 */
export function fitColumns(text: string, columns: number): string {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    used += WIDE.test(ch) ? 2 : 1;
    if (used > columns) break;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * One line of training progress, at most `width` characters:
 * `[######......] 120/1000  loss 2.345  val 2.401  3,412 tok/s  ETA 4m05s`.
 */
export function formatProgressLine(e: ProgressEvent, width = 100): string {
  const total = Math.max(1, e.totalSteps);
  const fraction = Math.min(1, Math.max(0, e.step / total));
  const parts = [
    `${e.step}/${e.totalSteps}`,
    `loss ${formatLoss(e.trainLoss)}`,
    `val ${formatLoss(e.valLoss)}`,
    e.unit === 'images' ? `${e.tokensPerSec.toFixed(1)} img/s` : `${integer.format(e.tokensPerSec)} tok/s`,
    `ETA ${formatDuration(e.etaSec)}`,
  ];
  const text = parts.join('  ');
  const barWidth = Math.min(30, width - text.length - 3);
  if (barWidth < 5) return text.slice(0, Math.max(0, width));
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
}

function modelLabel(run: RunSummary): string {
  return describeRunModel(run.model);
}

/** A plain-text table of runs, newest first as given (names from files shown without control characters). */
export function formatRunsTable(runs: readonly RunSummary[]): string {
  const header = ['ID', 'NAME', 'STATE', 'STEP', 'TRAIN', 'VAL', 'MODEL', 'DATA', 'UPDATED'];
  const rows = runs.map((r) => [
    r.id,
    r.starter ? `${plainText(r.name)} [starter]` : plainText(r.name),
    r.state,
    `${r.step}/${r.totalSteps}`,
    formatLoss(r.lastTrainLoss),
    formatLoss(r.lastValLoss),
    modelLabel(r),
    plainText(r.dataset),
    r.updatedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * One run in full: what it is, how it trained (every validation: step, train and validation
 * loss, up to the last `validations` of them), and what it wrote after its newest validation.
 */
export function formatRunDetail(run: RunDetail, validations = 12): string {
  const lines = [
    `${plainText(run.name)}  (${run.id})${run.starter ? '  [starter: shipped with the app; ars starters --restore brings it back]' : ''}`,
    `  state       ${run.state}, step ${run.step} of ${run.totalSteps}, checkpoint ${run.checkpointStep ?? 'none'}`,
    `  model       ${describeRunModel(run.model)}`,
    `  data        ${plainText(run.dataset)}`,
    `  created     ${run.createdAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} on ${run.backend}`,
    `  losses      train ${formatLoss(run.lastTrainLoss)}, validation ${formatLoss(run.lastValLoss)}`,
  ];
  if (run.maskedLoss50 !== undefined) lines.push(`  half masked ${formatLoss(run.maskedLoss50)} (validation, half of each window hidden, no prompt)`);
  if (run.unigramEntropy !== undefined) lines.push(`  unigram     ${formatLoss(run.unigramEntropy)} nats/char (the loss of letter frequencies alone)`);
  if (run.testNllStochastic !== undefined) {
    lines.push(`  test NLL    ${run.testNllStochastic.toFixed(2)} nats per image (${run.testNllStochasticBitsPerDim?.toFixed(4) ?? '-'} bits/dim), ${run.testNllStochasticImages ?? '-'} held-out digits, stochastically binarized`);
  } else if (run.testNllStochasticUnavailable !== undefined) lines.push(`  test NLL    not available: ${plainText(run.testNllStochasticUnavailable)}`);
  const evaluated = run.metrics.filter((m) => m.valLoss !== undefined);
  if (evaluated.length > 0) {
    lines.push('', '  step      train   validation');
    for (const m of evaluated.slice(-validations)) lines.push(`  ${String(m.step).padEnd(8)}  ${formatLoss(m.trainLoss).padEnd(6)}  ${formatLoss(m.valLoss)}`);
  }
  const preview = run.previews.at(-1);
  if (preview && 'text' in preview) lines.push('', `  after step ${preview.step} it wrote:`, ...plainText(preview.text, { multiline: true }).split('\n').map((l) => `  | ${l}`));
  else if (preview) lines.push('', `  after step ${preview.step} it drew ${preview.samples} digits (see them in the Runs view)`);
  return lines.join('\n');
}

/** The race's results: one row per lane, then each lane's text. */
export function formatRaceTable(lanes: readonly LaneResult[]): string {
  const header = ['lane', 'steps', 'wall', 'tok/s', 'NLL', 'ppl', 'repeat', 'dist-1', 'dist-2', 'finish'];
  const rows = lanes.map((l) => [
    l.label,
    String(l.steps),
    l.wallMs < 10_000 ? `${l.wallMs.toFixed(0)} ms` : formatDuration(l.wallMs / 1000),
    l.tokensPerSec.toFixed(0),
    l.nll.toFixed(3),
    l.perplexity.toFixed(2),
    `${(l.repetition * 100).toFixed(1)}%`,
    l.distinct1.toFixed(3),
    l.distinct2.toFixed(3),
    l.cancelled ? 'stopped' : `#${l.finishOrder}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const texts = lanes.map((l) => `--- ${l.label}\n${l.text}`);
  const passes = lanes
    .filter((l) => l.arPasses !== undefined)
    .map((l) => `${l.label}: ${l.arPasses} AR passes + ${l.drafterPasses ?? 0} drafter passes, ${(l.tokensPerArPass ?? 0).toFixed(2)} tokens per AR pass`);
  return [line(header), ...rows.map(line), ...(passes.length ? ['', ...passes] : []), '', ...texts].join('\n');
}

/** The quality–speed frontier: one row a strategy, ms per token and NLL per character under the AR model. */
export function formatFrontierTable(points: readonly FrontierPoint[]): string {
  const header = ['strategy', 'ms/token', 'NLL/char'];
  const rows = points.map((p) => [frontierLabel(p), p.msPerToken.toFixed(p.msPerToken < 10 ? 3 : 1), p.nll.toFixed(3)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return ['quality–speed frontier (each strategy alone, after a warm-up)', line(header), ...rows.map(line)].join('\n');
}

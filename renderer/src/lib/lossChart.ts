/**
 * The loss chart's series: training and validation loss by step, each smoothed (an EMA, its raw
 * values drawn faint behind it) unless smoothing is 0, and for text runs the unigram entropy of
 * the training text as a dashed baseline. Pure: the chart component draws what these return.
 */
import type { Column } from './chartData.ts';
import type { ChartSpec, SeriesSpec } from './chartOptions.ts';
import { currentLocale, numberText, translate, type Locale } from './i18n/translate.ts';
import type { Point } from './points.ts';
import { emaSmooth } from './smoothing.ts';

export interface LossChartInput {
  train: readonly Point[];
  val: readonly Point[];
  /** EMA weight in [0, 1): 0 draws the raw values alone. */
  smoothing: number;
  /** Text runs: the unigram entropy (nats per character), drawn dashed across the chart. */
  baseline?: number;
  /** The step the x axis runs to (the run's total). */
  xMax?: number;
}

const hasBaseline = (b: number | undefined): b is number => b !== undefined && Number.isFinite(b);

/** The chart's axes and series (which depend on whether there is smoothing and a baseline, not on the points), worded in `locale`. */
export function lossChartSpec({
  smoothing,
  baseline,
  xMax,
  locale = currentLocale(),
}: Pick<LossChartInput, 'smoothing' | 'baseline' | 'xMax'> & { locale?: Locale }): ChartSpec {
  const smoothed = smoothing > 0;
  const say = (key: Parameters<typeof translate>[0], vars?: Parameters<typeof translate>[1]) => translate(key, vars, locale);
  const series: SeriesSpec[] = smoothed
    ? [
        { id: 'train-raw', label: say('charts.loss.trainRaw'), color: 'var(--train)', width: 1, alpha: 0.25, legend: false },
        { id: 'val-raw', label: say('charts.loss.valRaw'), color: 'var(--val)', width: 1, alpha: 0.3, legend: false },
        { id: 'train', label: say('charts.loss.train'), color: 'var(--train)', width: 1.75, rawOf: 'train-raw' },
        { id: 'val', label: say('charts.loss.val'), color: 'var(--val)', width: 2.25, rawOf: 'val-raw' },
      ]
    : [
        { id: 'train', label: say('charts.loss.train'), color: 'var(--train)', width: 1.75 },
        { id: 'val', label: say('charts.loss.val'), color: 'var(--val)', width: 2.25 },
      ];
  if (hasBaseline(baseline)) {
    const nats = numberText(baseline, { minimumFractionDigits: 2, maximumFractionDigits: 2 }, locale);
    series.push({ id: 'baseline', label: say('charts.loss.baseline'), color: 'var(--muted)', width: 1.25, dash: [5, 4], markers: false, note: say('charts.loss.baselineNote', { v: nats }) });
  }
  return { x: { label: say('charts.loss.step'), integer: true, from: 0, ...(xMax ? { to: xMax } : {}) }, y: { label: say('charts.loss.loss') }, series };
}

/** The raw series to line up: train, validation and (with a baseline) the baseline across the axis. */
export function lossChartPoints({ train, val, baseline, xMax }: Omit<LossChartInput, 'smoothing'>): Point[][] {
  const out: Point[][] = [train as Point[], val as Point[]];
  if (hasBaseline(baseline)) {
    const end = Math.max(1, xMax ?? 0, train.at(-1)?.x ?? 0, val.at(-1)?.x ?? 0);
    out.push([
      { x: 0, y: baseline },
      { x: end, y: baseline },
    ]);
  }
  return out;
}

/**
 * The columns drawn, in the order of lossChartSpec's series, from the aligned raw ones (train,
 * validation, baseline): with smoothing, the raw columns and their EMAs (a gap in a column does not
 * move its average, so each curve is smoothed over its own points alone).
 */
export function lossChartColumns(raw: readonly Column[], smoothing: number): Column[] {
  const [train = [], val = [], ...rest] = raw;
  return smoothing > 0 ? [train, val, emaSmooth(train, smoothing), emaSmooth(val, smoothing), ...rest] : [train, val, ...rest];
}

/**
 * The sentence under each Limits experiment's chart, in the current language, built from the
 * result's own figures (the worker's `caption` is the CLI's English wording). Pure.
 */
import type { LimitsResult, ModesStrategy } from '../../../core/protocol/schemas.ts';
import { translate, type Locale } from './i18n/translate.ts';

const pct = (x: number | undefined) => `${Math.round((x ?? 0) * 100)}%`;

export function limitsCaption(result: LimitsResult, locale?: Locale): string {
  switch (result.experiment) {
    case 'context': {
      const t = result.points.filter((p) => p.model === 'transformer');
      const l = result.points.filter((p) => p.model === 'lstm');
      const inWindow = t.filter((p) => p.length <= result.fits);
      const tLast = t.at(-1);
      return translate(
        'limits.context.caption',
        {
          context: result.context,
          inWindow: inWindow.length ? pct(Math.min(...inWindow.map((p) => p.accuracy))) : pct(undefined),
          last: pct(tLast?.accuracy),
          lastLength: tLast?.length ?? 0,
          lstmFirst: pct(l[0]?.accuracy),
          lstmFirstLength: l[0]?.length ?? 0,
          lstmLast: pct(l.at(-1)?.accuracy),
          lstmLastLength: l.at(-1)?.length ?? 0,
        },
        locale,
      );
    }
    case 'accumulation': {
      const n = Math.max(0, ...result.points.map((p) => p.position));
      const at = (mode: 'teacher' | 'free') => result.points.find((p) => p.mode === mode && p.position === n)?.accuracy;
      const slipped = result.firstErrors.reduce((sum, e) => sum + e.share, 0);
      // The position by which half of the slipped samples had slipped.
      let seen = 0;
      const median = result.firstErrors.find((e) => (seen += e.share) > slipped / 2 + 1e-9)?.position ?? null;
      return translate(
        'limits.accumulation.caption',
        {
          n,
          teacher: pct(at('teacher')),
          free: pct(at('free')),
          slipped: pct(slipped),
          median: slipped > 0 && median !== null ? translate('limits.accumulation.median', { m: median }, locale) : '',
        },
        locale,
      );
    }
    case 'modes': {
      const rate = (s: ModesStrategy) => pct(result.strategies.find((p) => p.strategy === s)?.mixRate);
      return translate('limits.modes.caption', { nar: rate('nar-1'), ar: rate('ar'), mp10: rate('mask-predict-10'), distilled: rate('nar-distilled') }, locale);
    }
  }
}

/** A progress phase the worker names ("training the LSTM"), in the current language; an unknown one as it came. */
export function limitsPhase(phase: string, locale?: Locale): string {
  const keys = {
    'training the Transformer': 'limits.phases.trainingTransformer',
    'training the LSTM': 'limits.phases.trainingLstm',
    'training the AR model': 'limits.phases.trainingAr',
    'training the NAR model': 'limits.phases.trainingNar',
    'training the distilled NAR model': 'limits.phases.trainingDistilled',
    measuring: 'limits.phases.measuring',
    generating: 'limits.phases.generating',
  } as const;
  const key = keys[phase as keyof typeof keys];
  return key ? translate(key, undefined, locale) : phase;
}

/**
 * The protocol's validation and error sentences (core/protocol/validationMessages.ts) in the
 * language the app is shown in: the same composition, with this locale's templates. The CLI keeps
 * core's English. Pure (no runes), like translate.ts.
 */
import type { ErrorText, ValidationText } from '../../../../core/protocol/validationMessages.ts';
import { en } from './en.ts';
import { currentLocale, numberText, translate, type Locale, type MessageKey } from './translate.ts';

/** The field templates in `locale` (the current one by default). */
export function validationText(locale: Locale = currentLocale()): ValidationText {
  const tr = (key: MessageKey, vars?: Record<string, string>) => translate(key, vars, locale);
  return {
    wholeNumber: tr('validation.wholeNumber'),
    number: tr('validation.number'),
    enter: (what) => tr('validation.enter', { what }),
    from: (what, min, max) => tr('validation.from', { what, min, max }),
    atLeast: (what, min) => tr('validation.atLeast', { what, min }),
    above: (what, min) => tr('validation.above', { what, min }),
    atMost: (what, max) => tr('validation.atMost', { what, max }),
    below: (what, max) => tr('validation.below', { what, max }),
    aboveUpTo: (what, min, max) => tr('validation.aboveUpTo', { what, min, max }),
    fromBelow: (what, min, max) => tr('validation.fromBelow', { what, min, max }),
    aboveBelow: (what, min, max) => tr('validation.aboveBelow', { what, min, max }),
    required: tr('validation.required'),
    tooLong: (max) => tr('validation.tooLong', { max }),
    tooShort: (min) => tr('validation.tooShort', { min }),
    tooMany: (max) => tr('validation.tooMany', { max }),
    tooFew: (min) => tr('validation.tooFew', { min }),
    choose: (options) => tr('validation.choose', { options }),
    cannotUse: tr('validation.cannotUse'),
    field: (label, message) => tr('validation.field', { label, message }),
    settings: tr('validation.settings'),
    formatNumber: (n) => numberText(n, { maximumFractionDigits: 6 }, locale),
  };
}

type LeadInCode = keyof typeof en.errors.leadIns;
const isLeadInCode = (code: string): code is LeadInCode => Object.hasOwn(en.errors.leadIns, code);

/**
 * How a worker error reads in `locale`: the lead-in its code maps to (translated), then the
 * worker's own message as the worker wrote it.
 */
export function errorText(locale: Locale = currentLocale()): ErrorText {
  return {
    leadIn: (code) => (isLeadInCode(code) ? translate(`errors.leadIns.${code}`, undefined, locale) : null),
    join: (lead, message) => translate('errors.join', { lead, message }, locale),
    empty: translate('errors.empty', undefined, locale),
  };
}

/** A field's name as the forms show it, by the key of the protocol's params; null for a key without one. */
export function fieldLabel(key: string, locale: Locale = currentLocale()): string | null {
  return Object.hasOwn(en.fields, key) ? translate(`fields.${key as keyof typeof en.fields}`, undefined, locale) : null;
}

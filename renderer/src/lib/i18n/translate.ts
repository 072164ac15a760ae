/**
 * The i18n layer's pure core: the i18next instance with the two locales' messages (plain objects:
 * no eval, so the web mode's CSP holds), the current locale, and Intl formatting in it. No runes,
 * so pure modules (race.ts, format.ts, …) and their tests use it; `index.svelte.ts` makes the
 * locale reactive for the components.
 */
import i18next, { type TOptions } from 'i18next';
import { en, type Messages } from './en.ts';
import { zh } from './zh.ts';

/** The languages the app speaks, in the order the switch lists them. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Each language named in itself, for the switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** Where the choice is remembered (localStorage, in web mode and Electron alike). */
export const LOCALE_STORAGE_KEY = 'ars.locale';

/** "a.b.c" for every message of `T` (plural forms "x_one"/"x_other" are asked for as "x"). */
type Paths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K extends `${infer B}_${'one' | 'other'}` ? B : K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];
export type MessageKey = Paths<Messages>;

/** Values put into a message's {{placeholders}}; `count` also picks the plural form. */
export type MessageVars = Record<string, string | number>;

export const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zh };

const i18n = i18next.createInstance();
void i18n.init({
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  resources: { en: { translation: en }, 'zh-CN': { translation: zh } },
  initAsync: false,
  // Svelte escapes what it puts into the page; i18next must not escape it twice.
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
} as Parameters<typeof i18n.init>[0]);

let current: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The locale the app runs in now (set by index.svelte.ts). */
export function currentLocale(): Locale {
  return current;
}

export function setCurrentLocale(locale: Locale): void {
  current = locale;
}

/** A message in `locale` (the current one by default), its placeholders filled. */
export function translate(key: MessageKey, vars?: MessageVars, locale: Locale = current): string {
  return i18n.t(key, { ...vars, lng: locale } as TOptions) as string;
}

/** A number as the locale writes it ("12,345", "0.42"). */
export function numberText(n: number, options?: Intl.NumberFormatOptions, locale: Locale = current): string {
  if (!Number.isFinite(n)) return '—';
  return new Intl.NumberFormat(locale, options).format(n);
}

/** A date and time as the locale writes it. */
export function dateText(value: string | number | Date, locale: Locale = current): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "1 h 02 min", "3 min 05 s", "42 s", "4.2 s" (and "1 小时 02 分", "3 分 05 秒", … in Chinese). */
export function durationText(seconds: number, locale: Locale = current): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 9.95) return translate('units.seconds', { s: numberText(seconds, { minimumFractionDigits: 1, maximumFractionDigits: 1 }, locale) }, locale);
  const s = Math.round(seconds);
  if (s < 60) return translate('units.seconds', { s: String(s) }, locale);
  const m = Math.floor(s / 60);
  if (m < 60) return translate('units.minutesSeconds', { m: String(m), s: String(s % 60).padStart(2, '0') }, locale);
  const h = Math.floor(m / 60);
  return translate('units.hoursMinutes', { h: String(h), m: String(m % 60).padStart(2, '0') }, locale);
}

/** A place in a finishing order: "1st", "22nd" in English, "第 1" in Chinese. */
export function ordinalText(n: number, locale: Locale = current): string {
  if (locale === 'en') {
    const tens = n % 100;
    const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
    return `${n}${suffix}`;
  }
  return translate('units.ordinal', { n }, locale);
}

/** Every message's key, "a.b.c" (plural forms as they are stored), for the parity check. */
export function messageKeys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : messageKeys(v as object, `${prefix}${k}.`)));
}

/** The remembered choice, or English (the default: the app's first language and its tests'). */
export function storedLocale(storage: Pick<Storage, 'getItem'> | undefined): Locale {
  try {
    const value = storage?.getItem(LOCALE_STORAGE_KEY);
    return isLocale(value) ? value : 'en';
  } catch {
    return 'en';
  }
}

/**
 * The i18n layer as the components use it: the locale as $state (remembered in localStorage,
 * mirrored in <html lang>), and `t`, `formatNumber`, `formatDate`, `formatDuration`, `ordinal`,
 * each reading the locale so that what they return follows a switch.
 */
import {
  currentLocale,
  dateText,
  durationText,
  LOCALE_STORAGE_KEY,
  numberText,
  ordinalText,
  setCurrentLocale,
  storedLocale,
  translate,
  type Locale,
  type MessageKey,
  type MessageVars,
} from './translate.ts';

export { LOCALE_NAMES, LOCALES, type Locale, type MessageKey } from './translate.ts';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

class I18n {
  #locale = $state<Locale>(storedLocale(storage));

  constructor() {
    this.apply();
  }

  get locale(): Locale {
    return this.#locale;
  }

  /** Switches the language; the choice is remembered across reloads. */
  set locale(locale: Locale) {
    this.#locale = locale;
    this.apply();
    try {
      storage?.setItem(LOCALE_STORAGE_KEY, locale);
    } catch {
      // Storage refused (private mode, quota): the switch still holds for this page.
    }
  }

  private apply(): void {
    setCurrentLocale(this.#locale);
    if (typeof document === 'undefined') return;
    document.documentElement.lang = this.#locale;
    document.title = translate('app.title', undefined, this.#locale);
  }
}

export const i18n = new I18n();

/** The current locale (read, so that the caller follows a switch). */
function locale(): Locale {
  const l = i18n.locale;
  if (currentLocale() !== l) setCurrentLocale(l);
  return l;
}

export function t(key: MessageKey, vars?: MessageVars): string {
  return translate(key, vars, locale());
}

export function formatNumber(n: number, options?: Intl.NumberFormatOptions): string {
  return numberText(n, options, locale());
}

export function formatDate(value: string | number | Date): string {
  return dateText(value, locale());
}

export function formatDuration(seconds: number): string {
  return durationText(seconds, locale());
}

export function ordinal(n: number): string {
  return ordinalText(n, locale());
}

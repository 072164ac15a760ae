import { describe, expect, it } from 'vitest';
import { en } from '../../../../renderer/src/lib/i18n/en.ts';
import {
  durationText,
  LOCALE_STORAGE_KEY,
  messageKeys,
  numberText,
  ordinalText,
  storedLocale,
  translate,
} from '../../../../renderer/src/lib/i18n/translate.ts';
import { zh } from '../../../../renderer/src/lib/i18n/zh.ts';

function valueAt(messages: object, key: string): string {
  return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], messages) as string;
}
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the locale files', () => {
  const keys = messageKeys(en);

  it('have the same keys in English and Chinese', () => {
    expect(keys.length).toBeGreaterThan(300);
    expect(messageKeys(zh).sort()).toEqual([...keys].sort());
  });

  it('leave no Chinese message empty or in English', () => {
    const empty = keys.filter((k) => valueAt(zh, k).trim() === '');
    expect(empty).toEqual([]);
    // Every Chinese message with words in it has Chinese in it (names such as PixelCNN aside).
    const words = (text: string) => text.replace(/\{\{\w+\}\}/g, '');
    const untranslated = keys.filter((k) => /[A-Za-z]{4,}/.test(words(valueAt(en, k))) && !/[\u4e00-\u9fff]/.test(valueAt(zh, k)));
    expect(untranslated.filter((k) => !['imageRace.pixelcnn', 'pixels.png'].includes(k))).toEqual([]);
  });

  it('fill the same placeholders in both languages', () => {
    const differ = keys.filter((k) => placeholders(valueAt(en, k)).join() !== placeholders(valueAt(zh, k)).join());
    expect(differ).toEqual([]);
  });
});

describe('translate', () => {
  it('fills placeholders, picks plural forms and falls back to nothing inline', () => {
    expect(translate('status.threads', { count: 1 }, 'en')).toBe('1 thread');
    expect(translate('status.threads', { count: 4 }, 'en')).toBe('4 threads');
    expect(translate('status.threads', { count: 4 }, 'zh-CN')).toBe('4 个线程');
    expect(translate('race.lanes.nar-k', { t: 4 }, 'en')).toBe('NAR, mask-predict (T=4)');
    expect(translate('race.lanes.nar-k', { t: 4 }, 'zh-CN')).toBe('非自回归，掩码预测 (T=4)');
  });

  it('does not escape what Svelte escapes anyway', () => {
    expect(translate('trainForm.uploadRefused', { name: 'a<b>&"c".txt' }, 'en')).toBe('“a<b>&"c".txt” cannot be used');
  });
});

describe('formatting by locale', () => {
  it('writes durations, numbers and places in each language', () => {
    expect(durationText(4.24, 'en')).toBe('4.2 s');
    expect(durationText(185, 'en')).toBe('3 min 05 s');
    expect(durationText(3720, 'en')).toBe('1 h 02 min');
    expect(durationText(185, 'zh-CN')).toBe('3 分 05 秒');
    expect(durationText(3720, 'zh-CN')).toBe('1 小时 02 分');
    expect(durationText(-1, 'zh-CN')).toBe('—');
    expect(numberText(12345, undefined, 'en')).toBe('12,345');
    expect(numberText(12345.5, { maximumFractionDigits: 1 }, 'zh-CN')).toBe('12,345.5');
    expect([1, 2, 3, 11, 22].map((n) => ordinalText(n, 'en'))).toEqual(['1st', '2nd', '3rd', '11th', '22nd']);
    expect(ordinalText(2, 'zh-CN')).toBe('第 2 名');
  });
});

describe('storedLocale', () => {
  const storage = (value: string | null) => ({ getItem: (k: string) => (k === LOCALE_STORAGE_KEY ? value : null) });

  it('reads the remembered choice, English otherwise', () => {
    expect(storedLocale(storage('zh-CN'))).toBe('zh-CN');
    expect(storedLocale(storage('fr'))).toBe('en');
    expect(storedLocale(storage(null))).toBe('en');
    expect(storedLocale(undefined)).toBe('en');
    expect(
      storedLocale({
        getItem: () => {
          throw new Error('denied');
        },
      }),
    ).toBe('en');
  });
});

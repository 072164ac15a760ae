import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Methods } from '../../../../core/protocol/messages.ts';
import { errorSentence, fieldMessages, firstProblem, VALIDATION_TEXT } from '../../../../core/protocol/validationMessages.ts';
import { errorText, fieldLabel, validationText } from '../../../../renderer/src/lib/i18n/validation.ts';

/** Schemas whose problems cover every template: ranges of each kind, strings, lists, choices. */
const cases: [z.ZodType, unknown][] = [
  [z.number().int().min(1).max(10_000_000), 0],
  [z.number().int().min(1).max(10_000_000), 1.5],
  [z.number().gt(0).max(1), 2],
  [z.number().min(0).lt(1), -1],
  [z.number().gt(0).lt(1), 5],
  [z.number().gt(0), -1],
  [z.number().int().min(0), -3],
  [z.number().max(100), 200],
  [z.number().lt(100), 200],
  [z.number(), 'x'],
  [z.string().min(1), ''],
  [z.string().min(3), 'a'],
  [z.string().max(2), 'abc'],
  [z.array(z.number()).min(2), [1]],
  [z.array(z.number()).max(1), [1, 2]],
  [z.enum(['fast', 'naive']), 'slow'],
  [z.string(), undefined],
];

describe('the renderer’s validation templates', () => {
  it('word every problem in English exactly as core does (the CLI’s wording)', () => {
    for (const [schema, value] of cases) {
      const core = firstProblem(schema, value, { '': 'Steps' });
      expect(core).not.toBeNull();
      expect(firstProblem(schema, value, { '': 'Steps' }, validationText('en'))).toBe(core);
    }
  });

  it('word every problem in Chinese, with no English template left', () => {
    const zh = validationText('zh-CN');
    for (const [schema, value] of cases) {
      const text = firstProblem(schema, value, { '': '步数' }, zh)!;
      expect(text.startsWith('步数：')).toBe(true);
      // Only the enum's own values ("fast", "naive") are Latin.
      expect(text.replace(/fast|naive/g, '')).not.toMatch(/[A-Za-z]{2,}/);
    }
    expect(firstProblem(cases[0]![0], 0, { '': '步数' }, zh)).toBe('步数：请输入 1 到 10,000,000 之间的整数');
    expect(firstProblem(z.number().gt(0).max(1), 2, { '': '学习率' }, zh)).toBe('学习率：请输入大于 0、不超过 1 的数值');
  });

  it('labels a protocol field by its key, and an unnamed one as the settings', () => {
    expect(fieldLabel('steps', 'zh-CN')).toBe('步数');
    expect(fieldLabel('steps', 'en')).toBe('Steps');
    expect(fieldLabel('noSuchField', 'en')).toBeNull();
    const { other } = fieldMessages(Methods['train.start'].params, { config: {} }, {}, {}, validationText('zh-CN'));
    expect(other.length).toBeGreaterThan(0);
    expect(VALIDATION_TEXT.settings).toBe('Settings');
  });
});

describe('worker errors in the app’s language', () => {
  it('translates the lead-in of a known code and keeps the worker’s own message', () => {
    expect(errorSentence('DATASET_ERROR', 'the file is empty', undefined, errorText('zh-CN'))).toBe('无法使用这份数据：the file is empty');
    expect(errorSentence('DATASET_ERROR', 'the file is empty', undefined, errorText('en'))).toBe(errorSentence('DATASET_ERROR', 'the file is empty'));
    expect(errorSentence('QUEUE_FULL', 'QUEUE_FULL: 4 waiting', '无法开始训练', errorText('zh-CN'))).toBe('无法开始训练：4 waiting');
  });

  it('adds no lead-in for codes whose message says it all, or unknown ones', () => {
    const zh = errorText('zh-CN');
    expect(errorSentence('INTERNAL_ERROR', 'out of memory', undefined, zh)).toBe('Out of memory');
    expect(errorSentence('SOMETHING_NEW', 'no', undefined, zh)).toBe('No');
    expect(errorSentence(null, '  ', undefined, zh)).toBe('出了点问题');
  });
});

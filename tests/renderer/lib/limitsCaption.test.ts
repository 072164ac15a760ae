import { describe, expect, it } from 'vitest';
import type { LimitsResult } from '../../../core/protocol/schemas.ts';
import { limitsCaption, limitsPhase } from '../../../renderer/src/lib/limitsCaption.ts';

const context: LimitsResult = {
  experiment: 'context',
  context: 16,
  fits: 7,
  points: [
    { model: 'transformer', length: 4, accuracy: 1 },
    { model: 'transformer', length: 7, accuracy: 0.97 },
    { model: 'transformer', length: 14, accuracy: 0.31 },
    { model: 'lstm', length: 4, accuracy: 0.9 },
    { model: 'lstm', length: 14, accuracy: 0.2 },
  ],
  caption: '',
};
const accumulation: LimitsResult = {
  experiment: 'accumulation',
  firstErrors: [
    { position: 1, share: 0 },
    { position: 2, share: 0.1 },
    { position: 3, share: 0.3 },
    { position: 4, share: 0.2 },
  ],
  points: [
    { mode: 'teacher', position: 4, accuracy: 0.95 },
    { mode: 'free', position: 4, accuracy: 0.4 },
  ],
  caption: '',
};
const modes: LimitsResult = {
  experiment: 'modes',
  answers: ['abc', 'xyz'],
  strategies: [
    { strategy: 'ar', mixRate: 0.02, first: 24, second: 25, neither: 1, examples: [] },
    { strategy: 'nar-1', mixRate: 0.6, first: 10, second: 10, neither: 30, examples: [] },
    { strategy: 'mask-predict-10', mixRate: 0.25, first: 20, second: 18, neither: 12, examples: [] },
    { strategy: 'nar-distilled', mixRate: 0.1, first: 40, second: 5, neither: 5, examples: [] },
  ],
  caption: '',
};

describe('limitsCaption', () => {
  it('says what each experiment shows, from its figures, in English', () => {
    expect(limitsCaption(context, 'en')).toBe(
      'The Transformer copies at least 97% of a string whose copy fits its 16-token window but 31% at length 14, once the source has left the window; the LSTM has no window, but its memory fades from 90% at length 4 to 20% at 14.',
    );
    // 60% of the samples slipped; half of them (30%) had slipped by number 3.
    expect(limitsCaption(accumulation, 'en')).toBe(
      'Given the true count before it, the model writes number 4 right 95% of the time; running on its own output, one slip carries into every later number (60% of the samples slipped, half of them by number 3), so only 40% get number 4 right.',
    );
    expect(limitsCaption(modes, 'en')).toMatch(/NAR model mixes the two right answers in 60% of its outputs against 2% for the AR model.*10 passes leave 25% mixed.*\(distillation\) 10% in one pass\.$/);
  });

  it('says it in Chinese with the same figures', () => {
    const zh = limitsCaption(context, 'zh-CN');
    expect(zh).toContain('Transformer 至少能正确复制 97%');
    for (const figure of ['16', '31%', '14', '90%', '20%']) expect(zh).toContain(figure);
    expect(limitsCaption(accumulation, 'zh-CN')).toContain('60% 的样本出了错，其中一半在第 3 个数之前就已出错');
    expect(limitsCaption(modes, 'zh-CN')).toContain('非自回归模型有 60% 的输出混合了两种正确答案');
  });

  it('names the worker’s progress phases, and passes unknown ones through', () => {
    expect(limitsPhase('training the LSTM', 'zh-CN')).toBe('训练 LSTM');
    expect(limitsPhase('training the LSTM', 'en')).toBe('training the LSTM');
    expect(limitsPhase('something new', 'zh-CN')).toBe('something new');
  });
});

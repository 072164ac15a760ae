import { afterEach, describe, expect, it } from 'vitest';
import { TextModelChoice, type RunModelConfig } from '../../../core/models/config.ts';
import { RNN_DEFAULTS, TRANSFORMER_DEFAULTS } from '../../../core/protocol/modelDefaults.ts';
import { setCurrentLocale } from '../../../renderer/src/lib/i18n/translate.ts';
import { DEFAULT_MODEL_FIELDS, describeModel, effectiveContext, learningRateForFamily, modelChoice, modelFields, modelProblems, type ModelFields } from '../../../renderer/src/lib/modelForm.ts';
import { DEFAULT_LEARNING_RATES } from '../../../core/protocol/schemas.ts';

const base: ModelFields = {
  family: 'rnn',
  cell: 'lstm',
  embedding: 64,
  hidden: 128,
  layers: 2,
  dModel: 64,
  heads: 4,
  tfLayers: 2,
  ffn: 256,
  context: null,
  dropout: 0,
};

describe('modelChoice', () => {
  it('builds what the protocol expects for every family', () => {
    expect(modelChoice(base, 64)).toEqual({ family: 'rnn', cell: 'lstm', embedding: 64, hidden: 128, layers: 2 });
    const t = modelChoice({ ...base, family: 'transformer' }, 48);
    expect(t).toEqual({ family: 'transformer', dModel: 64, heads: 4, layers: 2, ffn: 256, context: 48, dropout: 0 });
    expect(TextModelChoice.safeParse(t).success).toBe(true);
    const n = modelChoice({ ...base, family: 'maskPredict', context: 128 }, 48);
    expect(n).toMatchObject({ family: 'maskPredict', context: 128 });
    expect(TextModelChoice.safeParse(n).success).toBe(true);
  });

  it('gives the context of the sequence length when left empty', () => {
    expect(effectiveContext({ context: null }, 32)).toBe(32);
    expect(effectiveContext({ context: 100 }, 32)).toBe(100);
  });
});

describe('modelProblems', () => {
  it('finds nothing wrong with the defaults', () => {
    for (const family of ['rnn', 'transformer', 'maskPredict'] as const) expect(modelProblems({ ...base, family }, 64)).toEqual([]);
  });

  it('says d_model must be a multiple of heads, with values that work', () => {
    const problems = modelProblems({ ...base, family: 'transformer', dModel: 66, heads: 4 }, 64);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/d_model \(66\) must be a multiple of heads \(4\)/);
    expect(problems[0]).toMatch(/try 64 or 68/);
  });

  it('names the field and the limit', () => {
    expect(modelProblems({ ...base, layers: 5 }, 64)).toEqual(['Layers: enter a whole number from 1 to 3']);
    expect(modelProblems({ ...base, family: 'maskPredict', ffn: 4 }, 64)).toEqual(['FFN width: enter a whole number from 8 to 8,192']);
    expect(modelProblems({ ...base, family: 'transformer', dropout: Number.NaN }, 64)[0]).toMatch(/^Dropout: /);
  });

  it('needs a context that holds a training sequence', () => {
    expect(modelProblems({ ...base, family: 'transformer', context: 32 }, 64)).toEqual([
      'Context (32) must be at least the sequence length (64): the model sees whole training sequences.',
    ]);
    expect(modelProblems({ ...base, context: 32 }, 64)).toEqual([]); // recurrent models have no context
  });
});

describe('describeModel', () => {
  it('describes a PixelCNN run', () => {
    expect(describeModel({ family: 'pixelcnn', channels: 8, residualBlocks: 1, kernel: 3, firstKernel: 7, hiddenOut: 16 })).toBe('PixelCNN 8 ch, 1+1 masked layers');
  });

  it('describes every family', () => {
    expect(describeModel({ family: 'rnn', cell: 'gru', embedding: 32, hidden: 64, layers: 1 })).toBe('GRU 1×64 (emb 32)');
    expect(describeModel({ family: 'transformer', dModel: 64, heads: 4, layers: 2, ffn: 256, context: 64, dropout: 0, tiedOutput: true })).toBe(
      'Transformer 2×64, 4 heads, ctx 64',
    );
    expect(describeModel({ family: 'maskPredict', dModel: 32, heads: 2, layers: 1, ffn: 64, context: 32, dropout: 0 })).toBe(
      'NAR Transformer 1×32, 2 heads, ctx 32',
    );
  });
});

describe('in Chinese', () => {
  afterEach(() => setCurrentLocale('en'));

  it('words the problems and the models in the current language', () => {
    setCurrentLocale('zh-CN');
    expect(modelProblems({ ...base, layers: 5 }, 64)).toEqual(['层数：请输入 1 到 3 之间的整数']);
    expect(modelProblems({ ...base, family: 'maskPredict', ffn: 4 }, 64)).toEqual(['前馈层宽度：请输入 8 到 8,192 之间的整数']);
    expect(modelProblems({ ...base, family: 'transformer', dModel: 66, heads: 4 }, 64)[0]).toMatch(/^模型维度（66）必须是注意力头数（4）的整数倍.*可以试试 64 或 68。$/);
    expect(modelProblems({ ...base, family: 'transformer', context: 32 }, 64)[0]).toMatch(/^上下文长度（32）不能小于序列长度（64）/);
    expect(describeModel({ family: 'rnn', cell: 'gru', embedding: 32, hidden: 64, layers: 1 })).toBe('GRU 1×64（嵌入 32）');
    expect(describeModel({ family: 'maskPredict', dModel: 32, heads: 2, layers: 1, ffn: 64, context: 32, dropout: 0 })).toBe('非自回归 Transformer 1×32，2 个注意力头，上下文 32');
    expect(describeModel({ family: 'pixelcnn', channels: 8, residualBlocks: 1, kernel: 3, firstKernel: 7, hiddenOut: 16 })).toBe('PixelCNN 8 通道，1+1 个掩码层');
  });
});

describe('modelFields', () => {
  it('gives back the fields a run’s model came from (the inverse of modelChoice)', () => {
    const runs: RunModelConfig[] = [
      { family: 'rnn', cell: 'gru', vocabSize: 50, embedding: 24, hidden: 96, layers: 2 },
      { family: 'transformer', vocabSize: 50, dModel: 64, heads: 4, layers: 3, ffn: 256, context: 48, dropout: 0.1, tiedOutput: true },
      { family: 'maskPredict', vocabSize: 50, dModel: 32, heads: 2, layers: 1, ffn: 64, context: 32, dropout: 0, positions: 'learned', localContext: 0 },
      { family: 'maskPredict', vocabSize: 50, dModel: 32, heads: 2, layers: 1, ffn: 64, context: 32, dropout: 0, positions: 'sinusoidal', localContext: 2 },
    ];
    for (const m of runs) {
      const { vocabSize: _v, tiedOutput: _t, ...choice } = m as { vocabSize: number; tiedOutput?: boolean };
      expect(modelChoice({ ...base, ...modelFields(m) }, 32)).toEqual(choice);
    }
    expect(modelFields({ family: 'pixelcnn', channels: 8, residualBlocks: 1, kernel: 3, firstKernel: 7, hiddenOut: 8 })).toEqual({});
  });
});


describe('DEFAULT_MODEL_FIELDS', () => {
  it('start every family at the shared defaults (those of ars train), with no problems', () => {
    expect(modelChoice(DEFAULT_MODEL_FIELDS, 64)).toEqual({ family: 'rnn', ...RNN_DEFAULTS });
    for (const family of ['transformer', 'maskPredict'] as const) {
      const { dModel, heads, layers, ffn, dropout } = TRANSFORMER_DEFAULTS;
      expect(modelChoice({ ...DEFAULT_MODEL_FIELDS, family }, 48)).toEqual({ family, dModel, heads, layers, ffn, context: 48, dropout });
      expect(modelProblems({ ...DEFAULT_MODEL_FIELDS, family }, 64)).toEqual([]);
    }
    expect(modelProblems(DEFAULT_MODEL_FIELDS, 64)).toEqual([]);
  });
});

describe('modelProblems, cross-field only', () => {
  it('leaves single-field problems to the fields and keeps what concerns two fields', () => {
    const base = { ...DEFAULT_MODEL_FIELDS };
    expect(modelProblems({ ...base, hidden: Number.NaN }, 64, { crossFieldOnly: true })).toEqual([]);
    expect(modelProblems({ ...base, hidden: Number.NaN }, 64)).toEqual(['Hidden: enter a whole number from 4 to 2,048']);
    expect(modelProblems({ ...base, family: 'transformer', dModel: 30, heads: 4 }, 64, { crossFieldOnly: true })[0]).toMatch(/^d_model \(30\) must be a multiple of heads \(4\)/);
  });
});

describe('learningRateForFamily', () => {
  it('moves a default learning rate to the new family default and keeps one the person typed', () => {
    expect(learningRateForFamily(DEFAULT_LEARNING_RATES.transformer, 'transformer', 'maskPredict')).toBe(DEFAULT_LEARNING_RATES.maskPredict);
    expect(learningRateForFamily(DEFAULT_LEARNING_RATES.maskPredict, 'maskPredict', 'rnn')).toBe(DEFAULT_LEARNING_RATES.rnn);
    expect(learningRateForFamily(0.01, 'transformer', 'maskPredict')).toBe(0.01);
    expect(learningRateForFamily(DEFAULT_LEARNING_RATES.maskPredict, 'rnn', 'transformer')).toBe(DEFAULT_LEARNING_RATES.maskPredict);
  });
});

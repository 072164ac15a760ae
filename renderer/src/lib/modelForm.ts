/**
 * The model part of the training form: which family, the fields each needs, and what is wrong
 * with them, in words. Pure (no runes), so it is tested on its own; the checks are the protocol's
 * own schema (core/models/config.ts, through core/protocol/schemas.ts) plus the one thing only the whole form knows (the context
 * must hold a training sequence).
 */
import type { z } from 'zod';
import { DEFAULT_LEARNING_RATES, TextModelChoice, type RnnCell, type RunModelConfig } from '../../../core/protocol/schemas.ts';
import { RNN_DEFAULTS, TRANSFORMER_DEFAULTS } from '../../../core/protocol/modelDefaults.ts';
import { issueMessage, schemaAt } from '../../../core/protocol/validationMessages.ts';
import { translate } from './i18n/translate.ts';
import { fieldLabel, validationText } from './i18n/validation.ts';

export type ModelFamily = TextModelChoice['family'];
export type ModelChoiceInput = z.input<typeof TextModelChoice>;

/** What the form holds for every family (only the chosen family's fields are used). */
export interface ModelFields {
  family: ModelFamily;
  // Recurrent
  cell: RnnCell;
  embedding: number;
  hidden: number;
  layers: number;
  // Transformer / NAR Transformer
  dModel: number;
  heads: number;
  tfLayers: number;
  ffn: number;
  /** null: the same as the sequence length. */
  context: number | null;
  dropout: number;
  /** NAR Transformer: how positions are encoded (absent: the default for a new run). */
  positions?: Extract<RunModelConfig, { family: 'maskPredict' }>['positions'];
  /** NAR Transformer: local context width (absent: the default for a new run). */
  localContext?: number;
}

/**
 * What a new form starts with: the recurrent family, and every family's sizes from the shared
 * defaults (the same as `ars train`'s); the context follows the sequence length.
 */
export const DEFAULT_MODEL_FIELDS: Readonly<ModelFields> = {
  family: 'rnn',
  cell: RNN_DEFAULTS.cell,
  embedding: RNN_DEFAULTS.embedding,
  hidden: RNN_DEFAULTS.hidden,
  layers: RNN_DEFAULTS.layers,
  dModel: TRANSFORMER_DEFAULTS.dModel,
  heads: TRANSFORMER_DEFAULTS.heads,
  tfLayers: TRANSFORMER_DEFAULTS.layers,
  ffn: TRANSFORMER_DEFAULTS.ffn,
  context: null,
  dropout: TRANSFORMER_DEFAULTS.dropout,
};

/** The families the form offers, in order (named by `models.families.<family>` in the locale files). */
export const FAMILIES: readonly ModelFamily[] = ['rnn', 'transformer', 'maskPredict'];

/** The context the model gets: the field, or the sequence length when the field is empty. */
export function effectiveContext(f: Pick<ModelFields, 'context'>, seq: number): number {
  return f.context === null || f.context === undefined || !Number.isFinite(f.context) ? seq : f.context;
}

/** The model choice the protocol expects, from the form. */
export function modelChoice(f: ModelFields, seq: number): ModelChoiceInput {
  switch (f.family) {
    case 'rnn':
      return { family: 'rnn', cell: f.cell, embedding: f.embedding, hidden: f.hidden, layers: f.layers };
    case 'transformer':
    case 'maskPredict':
      return {
        family: f.family,
        dModel: f.dModel,
        heads: f.heads,
        layers: f.tfLayers,
        ffn: f.ffn,
        context: effectiveContext(f, seq),
        dropout: f.dropout,
        ...(f.family === 'maskPredict' && f.positions !== undefined ? { positions: f.positions } : {}),
        ...(f.family === 'maskPredict' && f.localContext !== undefined ? { localContext: f.localContext } : {}),
      };
  }
}

/** The form fields a text run's model fills (the inverse of modelChoice); none for a PixelCNN. */
export function modelFields(m: RunModelConfig): Partial<ModelFields> {
  switch (m.family) {
    case 'rnn':
      return { family: 'rnn', cell: m.cell, embedding: m.embedding, hidden: m.hidden, layers: m.layers };
    case 'transformer':
    case 'maskPredict':
      return {
        family: m.family,
        dModel: m.dModel,
        heads: m.heads,
        tfLayers: m.layers,
        ffn: m.ffn,
        context: m.context,
        dropout: m.dropout,
        ...(m.family === 'maskPredict' ? { positions: m.positions, localContext: m.localContext } : {}),
      };
    default:
      return {};
  }
}

/**
 * Everything wrong with the model fields, each as a sentence naming its field; empty when all is
 * well. With `{ crossFieldOnly: true }`, only what no single field shows beside itself (d_model
 * and heads together, the context against the sequence): the form lists those under the fields.
 */
export function modelProblems(f: ModelFields, seq: number, { crossFieldOnly = false } = {}): string[] {
  const problems: string[] = [];
  const choice = modelChoice(f, seq);
  const parsed = TextModelChoice.safeParse(choice);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path.at(-1) ?? '');
      if (key === 'heads' && /multiple of heads/.test(issue.message)) problems.push(headsProblem(f.dModel, f.heads));
      else if (!crossFieldOnly) problems.push(issueMessage(issue, fieldLabel(key) ?? (key || translate('validation.model')), schemaAt(TextModelChoice, issue.path, choice), validationText()));
    }
  }
  if (f.family !== 'rnn' && Number.isFinite(seq)) {
    const context = effectiveContext(f, seq);
    if (Number.isFinite(context) && context < seq) problems.push(translate('models.contextTooShort', { context, seq }));
  }
  return [...new Set(problems)];
}

function headsProblem(dModel: number, heads: number): string {
  const lower = Math.floor(dModel / heads) * heads;
  const upper = Math.ceil(dModel / heads) * heads;
  const fix = [lower, upper].filter((v, i, a) => v >= 8 && a.indexOf(v) === i).join(translate('models.or'));
  return fix ? translate('models.headsDivideTry', { dModel, heads, fix }) : translate('models.headsDivide', { dModel, heads });
}


/** "LSTM 2×128 (emb 64)", "Transformer 2×64, 4 heads, ctx 64", "NAR Transformer …", "PixelCNN 32 ch, 1+3 masked layers". */
export function describeModel(model: ModelChoiceInput | TextModelChoice | RunModelConfig): string {
  const m = model as TextModelChoice | RunModelConfig;
  switch (m.family) {
    case 'rnn':
      return translate('models.rnn', { cell: m.cell.toUpperCase(), layers: m.layers, hidden: m.hidden, embedding: m.embedding });
    case 'transformer':
    case 'maskPredict':
      return translate(`models.${m.family}`, { layers: m.layers, dModel: m.dModel, heads: m.heads, context: m.context });
    case 'pixelcnn':
      return translate('models.pixelcnn', { channels: m.channels, blocks: m.residualBlocks });
    case 'masked-image':
      return translate('models.maskedImage', { channels: m.channels, blocks: m.dilations.length });
    default:
      // A family this screen does not know yet: its name at least.
      return (m as { family: string }).family;
  }
}

/** Whether a run's model writes left to right (AR) or fills a canvas (NAR). */
export function isNonAutoregressive(model: { family: string } | undefined | null): boolean {
  return model?.family === 'maskPredict';
}

/**
 * The learning rate once the form's family changes from `from` to `to`: one still at `from`'s
 * default becomes `to`'s (the mask-predict Transformer's is lower), one the person typed stays.
 */
export function learningRateForFamily(lr: number, from: ModelFamily, to: ModelFamily): number {
  return lr === DEFAULT_LEARNING_RATES[from] ? DEFAULT_LEARNING_RATES[to] : lr;
}

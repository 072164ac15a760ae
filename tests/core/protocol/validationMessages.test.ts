import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { Methods } from '../../../core/protocol/messages.ts';
import { describeRange, errorSentence, fieldMessages, issueMessage, numberRange, schemaAt } from '../../../core/protocol/validationMessages.ts';

const trainParams = (config: Record<string, unknown>) => ({
  config: { model: { family: 'rnn', cell: 'gru', embedding: 32, hidden: 64, layers: 1 }, data: { kind: 'builtin', name: 'sonnets' }, steps: 100, ...config },
});

describe('validation messages', () => {
  it('states the whole range of a number field, never zod wording', () => {
    const steps = schemaAt(Methods['train.start'].params, ['config', 'steps'], {})!;
    for (const value of [null, Number.NaN, -5, 2.5, 1e9]) {
      const issue = steps.safeParse(value).error!.issues[0]!;
      const text = issueMessage(issue, 'Steps', steps);
      expect(text).toBe('Steps: enter a whole number from 1 to 10,000,000');
      expect(text).not.toMatch(/Invalid input|expected|received/);
    }
  });

  it('reads open and closed bounds', () => {
    expect(describeRange(numberRange(z.number().positive().max(1))!)).toBe('a number above 0, up to 1');
    expect(describeRange(numberRange(z.number().min(0).max(0.9).default(0))!)).toBe('a number from 0 to 0.9');
    expect(describeRange(numberRange(z.number().int().min(0))!)).toBe('a whole number of at least 0');
    expect(numberRange(z.string())).toBeNull();
  });

  it('finds a union option’s field: an RNN has 1–3 layers, a Transformer 1–24', () => {
    const params = Methods['train.start'].params;
    expect(numberRange(schemaAt(params, ['config', 'model', 'layers'], { config: { model: { family: 'rnn' } } }))).toMatchObject({ min: 1, max: 3 });
    expect(numberRange(schemaAt(params, ['config', 'model', 'layers'], { config: { model: { family: 'transformer' } } }))).toMatchObject({ min: 1, max: 24 });
  });

  it('keys each problem by its field, with the field’s label', () => {
    const { fields, other } = fieldMessages(Methods['train.start'].params, trainParams({ steps: -5, batch: null, model: { family: 'rnn', cell: 'gru', embedding: 32, hidden: null, layers: 1 } }), {
      steps: 'Steps',
      batch: 'Batch',
      hidden: 'Hidden',
    }, { 'config.steps': 'steps', 'config.batch': 'batch', 'config.model.hidden': 'hidden' });
    expect(fields).toEqual({
      steps: 'Steps: enter a whole number from 1 to 10,000,000',
      batch: 'Batch: enter a whole number from 1 to 1,024',
      hidden: 'Hidden: enter a whole number from 4 to 2,048',
    });
    expect(other).toEqual([]);
  });

  it('words strings, choices and our own refinements', () => {
    const name = z.string().min(1).max(3);
    expect(issueMessage(name.safeParse('').error!.issues[0]!, 'Name')).toBe('Name: fill this in');
    expect(issueMessage(name.safeParse('abcd').error!.issues[0]!, 'Name')).toBe('Name: at most 3 characters');
    expect(issueMessage(z.enum(['a', 'b']).safeParse('c').error!.issues[0]!, 'Cell')).toBe('Cell: choose one of a, b');
    const refined = z.number().refine((n) => n % 2 === 0, 'must be even');
    expect(issueMessage(refined.safeParse(3).error!.issues[0]!, 'Width')).toBe('Width: must be even');
    expect(issueMessage(z.string().regex(/^a+$/, 'only a’s').safeParse('b').error!.issues[0]!, 'Id')).toBe('Id: only a’s');
    expect(issueMessage(z.string().regex(/^a+$/).safeParse('b').error!.issues[0]!, 'Id')).toBe('Id: this value cannot be used here');
  });

  it('gives worker errors a lead-in and never shows the code', () => {
    expect(errorSentence('DATASET_ERROR', 'the file "a.txt" is empty: choose a file that contains text')).toBe(
      'This data cannot be used: the file "a.txt" is empty: choose a file that contains text',
    );
    expect(errorSentence('CHECKPOINT_ERROR', 'DATASET_ERROR: no checkpoint', 'Could not sample')).toBe('Could not sample: no checkpoint');
    expect(errorSentence('INTERNAL_ERROR', 'boom')).toBe('Boom');
    expect(errorSentence(null, 'PNG decoder failed')).toBe('PNG decoder failed');
    for (const code of ['DATASET_ERROR', 'CHECKPOINT_ERROR', 'PROTOCOL_ERROR', 'QUEUE_FULL']) expect(errorSentence(code, 'x')).not.toContain(code);
  });
});

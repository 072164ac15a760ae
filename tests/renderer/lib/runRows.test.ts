import { describe, expect, it } from 'vitest';
import type { JobSummary, RunSummary } from '../../../core/protocol/messages.ts';
import { DEFAULT_SORT, formatCreated, liveTrainings, nextSort, rowState, runRow, shortId, sortRows } from '../../../renderer/src/lib/runRows.ts';
import { chosenSampleRun, sampleChoices } from '../../../renderer/src/lib/sampleChoices.ts';

const rnn = { family: 'rnn', cell: 'gru', embedding: 8, hidden: 16, layers: 1, vocabSize: 40 } as RunSummary['model'];
function run(id: string, day: number, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    createdAt: `2026-01-${String(day).padStart(2, '0')}T10:00:00.000Z`,
    updatedAt: '',
    state: 'completed',
    step: 100,
    totalSteps: 100,
    dataset: 'sonnets',
    model: rnn,
    lastTrainLoss: null,
    lastValLoss: null,
    checkpointStep: 100,
    backend: 'wasm',
    ...over,
  };
}
const rows = (list: RunSummary[]) => list.map((r) => runRow(r, undefined));
const ids = (list: { id: string }[]) => list.map((r) => r.id);
const name = () => 'x';

describe('the Runs table rows', () => {
  const list = [run('b', 2, { name: 'beta', lastValLoss: 1.5, step: 50 }), run('a', 3, { name: 'Alpha', lastValLoss: 2 }), run('c', 1, { name: 'gamma 10', lastValLoss: null, lastTrainLoss: null })];

  it('sorts newest first by default, and by each column both ways', () => {
    expect(ids(sortRows(rows(list), DEFAULT_SORT, name))).toEqual(['a', 'b', 'c']);
    expect(ids(sortRows(rows(list), { key: 'created', descending: false }, name))).toEqual(['c', 'b', 'a']);
    expect(ids(sortRows(rows(list), { key: 'name', descending: false }, name))).toEqual(['a', 'b', 'c']);
    expect(ids(sortRows(rows(list), { key: 'step', descending: true }, name))).toEqual(['a', 'c', 'b']); // ties: newest first
    // Runs without a loss go last either way.
    expect(ids(sortRows(rows(list), { key: 'loss', descending: false }, name))).toEqual(['b', 'a', 'c']);
    expect(ids(sortRows(rows(list), { key: 'loss', descending: true }, name))).toEqual(['a', 'b', 'c']);
  });

  it('turns a column around on a second click; dates and steps start descending', () => {
    expect(nextSort(DEFAULT_SORT, 'created')).toEqual({ key: 'created', descending: false });
    expect(nextSort(DEFAULT_SORT, 'name')).toEqual({ key: 'name', descending: false });
    expect(nextSort({ key: 'name', descending: false }, 'step')).toEqual({ key: 'step', descending: true });
  });

  it('lays the live step and state of a training over the stored run', () => {
    const jobs: JobSummary[] = [
      { jobId: 'j1', kind: 'train', runId: 'a', pausable: true, state: 'running', progress: { kind: 'progress', runId: 'a', step: 37, totalSteps: 60, trainLoss: 2, tokensPerSec: 1, lr: 0.001, elapsedSec: 1, etaSec: 1 } },
      { jobId: 'j2', kind: 'train', runId: 'b', pausable: true, state: 'queued', position: 1 },
      { jobId: 'j3', kind: 'sample', runId: 'c', pausable: false, state: 'running' },
    ];
    const live = liveTrainings(jobs);
    expect([...live.keys()]).toEqual(['a', 'b']);
    const training = runRow(run('a', 1, { state: 'training', step: 0, totalSteps: 60 }), live.get('a'));
    expect(training).toMatchObject({ step: 37, totalSteps: 60 });
    expect(rowState(training)).toBe('training');
    expect(rowState(runRow(run('b', 1, { state: 'training', step: 0 }), live.get('b')))).toBe('queued');
    expect(rowState(runRow(run('c', 1), undefined))).toBe('completed');
  });

  it('shortens ids and writes dates with Intl', () => {
    // The random tail tells runs of one day apart (their first 8 characters are all the date).
    expect(shortId('20260105-101500-gru-sonnets-abc12f')).toBe('abc12f');
    expect(shortId('imported_run_name')).toBe('imported');
    expect(formatCreated('2026-01-05T10:15:00.000Z', 'en-GB')).toMatch(/5 Jan 2026/);
    expect(formatCreated('not a date')).toBe('not a date');
  });
});

describe('the Sample panel’s runs', () => {
  const pixel = run('px', 9, { model: { family: 'pixelcnn', channels: 8, residualBlocks: 1, hiddenOut: 8 } as RunSummary['model'] });
  const list = [
    run('old', 1),
    run('newest-training', 8, { state: 'training', checkpointStep: null, step: 12, totalSteps: 60 }),
    run('failed', 6, { state: 'failed', checkpointStep: null }),
    run('newer', 5),
    pixel,
  ];

  it('lists text runs newest first, greying those without a checkpoint with why', () => {
    const choices = sampleChoices(list);
    expect(choices.map((c) => [c.run.id, c.why])).toEqual([
      ['newest-training', 'training, step 12 of 60, no checkpoint yet'],
      ['failed', 'failed before its first checkpoint'],
      ['newer', null],
      ['old', null],
    ]);
  });

  it('preselects the newest run that can be sampled, and keeps a pick while it is listed', () => {
    const choices = sampleChoices(list);
    expect(chosenSampleRun(choices, null)).toBe('newer');
    expect(chosenSampleRun(choices, 'old')).toBe('old');
    expect(chosenSampleRun(choices, 'deleted-run')).toBe('newer');
    expect(chosenSampleRun(choices, 'px')).toBe('newer'); // an image run is not the text panel's
    expect(chosenSampleRun(sampleChoices([run('x', 1, { checkpointStep: null })]), null)).toBeNull();
  });

  it('never leaves the box blank with many runs', () => {
    const many = Array.from({ length: 12 }, (_, i) => run(`r${i}`, i + 1, i > 8 ? { checkpointStep: null, state: 'training' } : {}));
    expect(chosenSampleRun(sampleChoices(many), null)).toBe('r8');
  });
});

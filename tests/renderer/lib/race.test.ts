import { describe, expect, it } from 'vitest';
import type { LaneEvent } from '../../../core/protocol/messages.ts';
import { frontierLabel as protocolFrontierLabel, laneLabel as protocolLaneLabel } from '../../../core/protocol/schemas.ts';
import { setCurrentLocale } from '../../../renderer/src/lib/i18n/translate.ts';
import { applyLaneEvent, defaultArRun, draftForDrafter, frontierLabel, orderDrafters, laneLabel, LANES, newLaneView, ordinal, scalingLengths, tokensPerSecond } from '../../../renderer/src/lib/race.ts';
import { DEFAULT_DRAFT } from '../../../core/protocol/schemas.ts';

const settings = { iterations: 4, draft: 3 };
const token = (index: number, text: string, prob = 0.5): LaneEvent => ({ kind: 'token', index, tokenId: index, text, prob });
const done = (text: string, steps: number): LaneEvent => ({
  kind: 'done',
  reason: 'completed',
  text,
  tokenIds: [...text].map((_, i) => i),
  tokens: text.length,
  steps,
  elapsedMs: 1,
  msPerToken: 1,
});

describe('lane labels', () => {
  it('names every lane, with its T and K', () => {
    expect(LANES).toEqual(['ar-naive', 'ar-cache', 'nar-1', 'nar-k', 'hybrid']);
    expect(laneLabel('nar-k', settings)).toBe('NAR, mask-predict (T=4)');
    expect(laneLabel('hybrid', settings)).toBe('Hybrid (draft 3)');
    expect(new Set(LANES.map((l) => laneLabel(l, settings))).size).toBe(5);
  });

  it('are, in English, the wording core gives every race result (the CLI and the CSV say the same), and Chinese by lane id', () => {
    for (const s of [settings, { iterations: 7, draft: 2 }]) {
      for (const lane of LANES) {
        setCurrentLocale('en');
        expect(laneLabel(lane, s)).toBe(protocolLaneLabel(lane, s));
        setCurrentLocale('zh-CN');
        expect(laneLabel(lane, s)).not.toBe(protocolLaneLabel(lane, s));
        expect(laneLabel(lane, s)).toMatch(/[\u4e00-\u9fff]/);
      }
    }
    setCurrentLocale('en');
  });

  it('name the frontier points as core does, in English', () => {
    const points = [{ strategy: 'ar-naive' }, { strategy: 'ar-cache' }, { strategy: 'mask-predict', iterations: 4 }, { strategy: 'hybrid', draft: 8 }] as const;
    for (const p of points) expect(frontierLabel(p)).toBe(protocolFrontierLabel(p));
  });
});

describe('applyLaneEvent', () => {
  it('types AR lanes left to right, one step a character', () => {
    const v = newLaneView('ar-cache', 3, settings);
    expect(v.cells).toEqual([]);
    applyLaneEvent(v, token(0, 'a', 0.9), 1.5);
    applyLaneEvent(v, token(1, 'b', 0.2), 3);
    expect(v.cells.map((c) => c.text).join('')).toBe('ab');
    expect(v.cells[1]!.prob).toBe(0.2);
    expect(v.steps).toBe(2);
    expect(v.tokens).toBe(2);
    expect(v.laneMs).toBe(3);
    applyLaneEvent(v, token(2, 'c'), 4);
    applyLaneEvent(v, done('abc', 3), 4.5);
    expect(v.finished).toBe(true);
    expect(v.steps).toBe(3);
  });

  it('starts NAR lanes fully masked and replaces the canvas each pass', () => {
    const v = newLaneView('nar-k', 4, settings);
    expect(v.cells).toHaveLength(4);
    expect(v.cells.every((c) => c.masked)).toBe(true);
    applyLaneEvent(v, { kind: 'pass', iteration: 1, tokens: [1, 2, -1, -1], text: ['a', 'b', '', ''], probs: [0.9, 0.4, 0, 0], predicted: [0, 1], steps: 1 }, 2);
    expect(v.cells.map((c) => c.masked)).toEqual([false, false, true, true]);
    expect(v.tokens).toBe(2);
    applyLaneEvent(v, { kind: 'pass', iteration: 2, tokens: [1, 3, 4, 5], text: ['a', 'c', 'd', 'e'], probs: [0.9, 0.8, 0.7, 0.6], predicted: [1, 2, 3], steps: 2 }, 4);
    expect(v.cells.map((c) => c.text).join('')).toBe('acde');
    expect(v.cells.map((c) => c.fresh)).toEqual([false, true, true, true]);
    expect(v.passes).toBe(2);
    expect(v.steps).toBe(2);
    applyLaneEvent(v, done('acde', 2), 5);
    expect(v.cells.some((c) => c.fresh)).toBe(false);
  });

  it('marks the hybrid lane\'s accepted drafts with their round, and the AR model\'s own tokens without', () => {
    const v = newLaneView('hybrid', 6, settings);
    applyLaneEvent(v, { kind: 'draft', proposed: 3, accepted: 2, steps: 3 }, 1);
    applyLaneEvent(v, token(0, 'a'), 1);
    applyLaneEvent(v, token(1, 'b'), 1);
    applyLaneEvent(v, token(2, 'X'), 1); // the correction
    applyLaneEvent(v, { kind: 'draft', proposed: 2, accepted: 2, steps: 5 }, 2);
    applyLaneEvent(v, token(3, 'c'), 2);
    applyLaneEvent(v, token(4, 'd'), 2);
    applyLaneEvent(v, token(5, 'Y'), 2); // the bonus token
    expect(v.cells.map((c) => c.round)).toEqual([1, 1, null, 2, 2, null]);
    expect(v.steps).toBe(5); // from the draft events, not one a character
    expect(v.rounds).toBe(2);
    expect(v.accepted).toBe(4);
    expect(v.proposed).toBe(5);
  });
});

describe('helpers', () => {
  it('counts tokens per second of lane time', () => {
    expect(tokensPerSecond(50, 250)).toBe(200);
    expect(tokensPerSecond(5, 0)).toBe(0);
  });
  it('writes finishing places', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']);
  });
  it('doubles lengths up to the chosen maximum', () => {
    expect(scalingLengths(256)).toEqual([16, 32, 64, 128, 256]);
    expect(scalingLengths(64)).toEqual([16, 32, 64]);
    expect(scalingLengths(100)).toEqual([16, 32, 64, 100]);
    expect(scalingLengths(8)).toEqual([8]);
  });
});

describe('draftForDrafter', () => {
  it('moves a default draft length with the drafter and keeps one the person typed', () => {
    expect(DEFAULT_DRAFT.ar).toBeLessThan(DEFAULT_DRAFT.nar);
    expect(draftForDrafter(DEFAULT_DRAFT.nar, false, true)).toBe(DEFAULT_DRAFT.ar);
    expect(draftForDrafter(DEFAULT_DRAFT.ar, true, false)).toBe(DEFAULT_DRAFT.nar);
    expect(draftForDrafter(DEFAULT_DRAFT.ar, true, true)).toBe(DEFAULT_DRAFT.ar);
    expect(draftForDrafter(6, false, true)).toBe(6);
    expect(draftForDrafter(6, true, false)).toBe(6);
  });
});

describe('orderDrafters', () => {
  const runs = [{ id: 'big' }, { id: 'd1', distilledFrom: 'other' }, { id: 'd2', distilledFrom: 'ar' }, { id: 'ar' }, { id: 'd3', distilledFrom: 'ar' }];
  it('lists the runs distilled from the chosen AR run first, each group in the given order', () => {
    expect(orderDrafters(runs, 'ar').map((r) => r.id)).toEqual(['d2', 'd3', 'big', 'd1', 'ar']);
    expect(orderDrafters(runs, 'other').map((r) => r.id)).toEqual(['d1', 'big', 'd2', 'ar', 'd3']);
  });
  it('keeps the order when no AR run is chosen or none was distilled from it', () => {
    expect(orderDrafters(runs, undefined).map((r) => r.id)).toEqual(['big', 'd1', 'd2', 'ar', 'd3']);
    expect(orderDrafters(runs, 'big').map((r) => r.id)).toEqual(['big', 'd1', 'd2', 'ar', 'd3']);
  });
});

describe('defaultArRun', () => {
  it('passes over runs distilled from another choice (drafters), newest first otherwise', () => {
    expect(defaultArRun([{ id: 'drafter', distilledFrom: 'big' }, { id: 'big' }, { id: 'old' }])?.id).toBe('big');
    // Distilled from a run that is not a choice (a NAR, a deleted run): an AR run like any other.
    expect(defaultArRun([{ id: 'student', distilledFrom: 'gone' }, { id: 'big' }])?.id).toBe('student');
    expect(defaultArRun([{ id: 'a', distilledFrom: 'b' }, { id: 'b', distilledFrom: 'a' }])?.id).toBe('a');
    expect(defaultArRun([])).toBeUndefined();
  });
});

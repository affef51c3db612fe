import { describe, expect, it } from 'vitest';
import { poolRuns, poolTable, seedRuns, type AdapterRunRecord } from '../../scripts/adapter-pool';
import { defaultTrainingSettings } from '../../scripts/lib/adapter-settings';

const row = (seeds: number[], focusedGain: number, othersGain: number): AdapterRunRecord => ({
  focus: 'position', variant: 'default', scale: 1, seeds,
  focused: seeds.map(() => ({ questions: 20, before: 8, after: 8 + focusedGain })),
  others: seeds.map(() => ({ questions: 10, before: 5, after: 5 + othersGain })),
});

describe('poolRuns', () => {
  it('counts sets of streams together: a set that met the bar and one that did not', () => {
    const [pooled] = poolRuns([{ rows: [row([1, 2], 2, 0)] }, { rows: [row([3, 4], 0, 0)] }]);
    expect(pooled!.seeds).toEqual([1, 2, 3, 4]);
    expect(pooled!.focused.change).toBeCloseTo(4 / 80);
    expect(pooled!.focused.questions).toBe(80);
    expect(pooled!.meetsBar).toBe(false);
    const [alone] = poolRuns([{ rows: [row([1, 2], 2, 0)] }]);
    expect(alone!.meetsBar).toBe(true);
  });

  it('keeps settings apart and refuses a stream counted twice', () => {
    const other = { ...row([5], 1, 0), variant: 'plain' };
    expect(poolRuns([{ rows: [row([1], 1, 0), other] }]).map((r) => r.key)).toEqual(['position default [settings not recorded]', 'position plain [settings not recorded]']);
    expect(() => poolRuns([{ rows: [row([1, 2], 1, 0)] }, { rows: [row([2], 1, 0)] }])).toThrow(/counted twice/);
  });

  it('fails the bar when the other types lose more than 2 points', () => {
    expect(poolRuns([{ rows: [row([1, 2], 4, -1)] }])[0]!.meetsBar).toBe(false);
  });

  it('pools rows by the settings they were trained with, not by the name their variant had', () => {
    const today = defaultTrainingSettings();
    const threePairs = { ...today, collect: { ...today.collect, maxPairsPerClip: 3 } };
    const renamed = { ...row([1, 2], 2, 0), variant: 'pairs15', settings: today };
    const current = { ...row([3, 4], 0, 0), settings: today };
    const older = { ...row([5, 6], 1, 0), settings: threePairs };
    const pooled = poolRuns([{ rows: [renamed, older] }, { rows: [current] }]);
    expect(pooled.map((r) => r.key)).toEqual(['position pairs15/default', 'position default [at most 3 pairs per clip]']);
    expect(pooled[0]!.seeds).toEqual([1, 2, 3, 4]);
    // The same settings written with their keys in another order are the same settings.
    const reordered = { ...row([7], 0, 0), settings: { ...today, collect: Object.fromEntries(Object.entries(today.collect).reverse()) as typeof today.collect } };
    expect(poolRuns([{ rows: [current, reordered] }])).toHaveLength(1);
  });
});

describe('poolTable', () => {
  it("lists today's default first within each focus, in the question types' order, with the bar per row", () => {
    const today = defaultTrainingSettings();
    const threePairs = { ...today, collect: { ...today.collect, maxPairsPerClip: 3 } };
    const colour = (seeds: number[], gain: number, settings = today, scale = 1): AdapterRunRecord => ({ ...row(seeds, gain, 0), focus: 'color', scale, settings });
    const rows = poolRuns([
      { rows: [{ ...row([9], 0, 0), settings: today }, colour([5, 6], 0, threePairs), colour([1, 2], 2, today, 1.5)] },
      { rows: [colour([1, 2], 2), colour([3, 7], 1)] },
    ]);
    const lines = poolTable(rows).split('\n').slice(2);
    expect(lines.map((l) => l.split(' | ').slice(0, 3).join(' | '))).toEqual([
      "| color | today's default | 4: 1-3, 7",
      "| color | today's default, vector x1.5 | 2: 1-2",
      '| color | at most 3 pairs per clip | 2: 5-6',
      "| position | today's default | 1: 9",
    ]);
    expect(lines.map((l) => l.split(' | ').pop())).toEqual(['**met** |', '**met** |', 'not met |', 'not met |']);
  });

  it('writes each run of consecutive seeds as one range', () => {
    expect(seedRuns([7669, 7445, 7446, 7447, 7541])).toBe('7445-7447, 7541, 7669');
  });
});

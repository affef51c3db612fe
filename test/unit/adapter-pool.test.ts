import { describe, expect, it } from 'vitest';
import { poolRuns, type AdapterRunRecord } from '../../scripts/adapter-pool';

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
    expect(poolRuns([{ rows: [row([1], 1, 0), other] }]).map((r) => r.key)).toEqual(['position default', 'position plain']);
    expect(() => poolRuns([{ rows: [row([1, 2], 1, 0)] }, { rows: [row([2], 1, 0)] }])).toThrow(/counted twice/);
  });

  it('fails the bar when the other types lose more than 2 points', () => {
    expect(poolRuns([{ rows: [row([1, 2], 4, -1)] }])[0]!.meetsBar).toBe(false);
  });
});

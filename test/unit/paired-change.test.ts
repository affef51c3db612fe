import { describe, expect, it } from 'vitest';
import { pairedChange } from '../../src/eval/paired-change';

describe('pairedChange', () => {
  it('gives the pooled change, and a tight interval when every stream moves alike', () => {
    const streams = Array.from({ length: 16 }, () => ({ questions: 20, before: 8, after: 10 }));
    const r = pairedChange(streams);
    expect(r.change).toBeCloseTo(0.1);
    expect(r.low).toBeCloseTo(0.1);
    expect(r.high).toBeCloseTo(0.1);
    expect(r.questions).toBe(320);
  });

  it('widens to include zero when one stream carries the whole gain', () => {
    const streams = Array.from({ length: 16 }, (_, i) => ({ questions: 20, before: 8, after: i === 0 ? 20 : 8 }));
    const r = pairedChange(streams);
    expect(r.change).toBeCloseTo(12 / 320);
    expect(r.low).toBeLessThanOrEqual(0);
    expect(r.high).toBeGreaterThan(r.change);
  });

  it('holds the right share of draws: a symmetric spread gives an interval around the change', () => {
    const streams = Array.from({ length: 40 }, (_, i) => ({ questions: 10, before: 5, after: 5 + (i % 2 ? 2 : -1) }));
    const r = pairedChange(streams, { seed: 7 });
    expect(r.change).toBeCloseTo(0.05);
    expect(r.low).toBeGreaterThan(0);
    expect(r.low).toBeLessThan(r.change);
    expect(r.high).toBeGreaterThan(r.change);
    // The same seed draws the same interval.
    expect(pairedChange(streams, { seed: 7 })).toEqual(r);
  });

  it('says nothing rather than a number when there are no questions', () => {
    expect(pairedChange([{ questions: 0, before: 0, after: 0 }]).change).toBeNaN();
  });
});

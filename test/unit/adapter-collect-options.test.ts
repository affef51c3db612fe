import { describe, expect, it } from 'vitest';
import { collectOptions } from '../../scripts/adapter-train';
import { CANDIDATE_CONFIDENCE, DEFAULT_COLLECT } from '../../src/adapter/phase-two';

describe('adapter:train collection settings', () => {
  it('keeps every default the caller left unset', () => {
    expect(collectOptions({}, 3)).toEqual({ ...DEFAULT_COLLECT, seed: 3 });
  });

  it('takes each option the caller set, false included', () => {
    const c = collectOptions({ candidates: 12, maxPairsPerClip: 4, temperature: 0.5, keyed: false, instructed: false, askedEvents: true, consensus: true }, 1);
    expect(c).toMatchObject({ candidates: 12, maxPairsPerClip: 4, temperature: 0.5, keyed: false, instructed: false, askedEvents: true, consensus: true, minMargin: DEFAULT_COLLECT.minMargin });
  });

  it('takes the smallest reward difference a pair needs (variant marginX)', () => {
    expect(collectOptions({ minMargin: 0.15 }, 1).minMargin).toBe(0.15);
    expect(collectOptions({ minMargin: 0.15 }, 1)).toEqual({ ...DEFAULT_COLLECT, minMargin: 0.15, seed: 1 });
  });

  it('scores candidates without unsure details when asked, and as sampled for null', () => {
    expect(collectOptions({ confidence: CANDIDATE_CONFIDENCE }, 1).confidence).toBe(CANDIDATE_CONFIDENCE);
    expect(collectOptions({ confidence: null }, 1).confidence).toBeUndefined();
  });
});

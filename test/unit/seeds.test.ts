import { describe, expect, it } from 'vitest';
import { EVALUATION_SEEDS, TUNING_SEEDS, TRAIN_SEED_BASE, parseSeedList } from '../../src/world/seeds';

describe('seed sets', () => {
  it('keep tuning, evaluation and training streams apart', () => {
    const tuning = new Set(TUNING_SEEDS);
    expect(EVALUATION_SEEDS.some((s) => tuning.has(s))).toBe(false);
    expect(Math.max(...TUNING_SEEDS, ...EVALUATION_SEEDS)).toBeLessThan(TRAIN_SEED_BASE);
  });

  it('reads seed lists and inclusive ranges from the command line, and refuses anything else', () => {
    expect(parseSeedList('7001,7003')).toEqual([7001, 7003]);
    expect(parseSeedList('30001-30004')).toEqual([30001, 30002, 30003, 30004]);
    expect(parseSeedList('5, 9-10')).toEqual([5, 9, 10]);
    expect(() => parseSeedList('')).toThrow(/not a seed/);
    expect(() => parseSeedList('7001,x')).toThrow(/"x" is not a seed/);
    expect(() => parseSeedList('10-5')).toThrow(/runs backwards/);
    expect(() => parseSeedList('1.5')).toThrow(/not a seed/);
  });
});

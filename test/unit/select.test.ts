import { describe, expect, it } from 'vitest';
import { TopK } from '../../src/recall/select';
import { mulberry32 } from '../../src/util/mulberry32';

describe('top-k selection', () => {
  it('keeps exactly the k largest of any sequence', () => {
    const rng = mulberry32(3);
    for (const [n, k] of [[0, 3], [2, 5], [1000, 1], [1000, 64], [5000, 200]]) {
      const xs = Array.from({ length: n }, () => Math.floor(rng() * 1e6));
      const top = new TopK(k);
      xs.forEach((x, i) => top.offer(x, i));
      const got = top.items().map((i) => xs[i]).sort((a, b) => b - a);
      expect(got).toEqual([...xs].sort((a, b) => b - a).slice(0, k));
    }
  });
});

/**
 * mulberry32: a tiny seeded PRNG, uniform in [0, 1), with the same sequence for a seed in Node and
 * every browser. The world simulator, the describer, the fixture's dataset and the adapter's SPSA
 * directions all draw from it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

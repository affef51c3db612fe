/**
 * Phase Two scores the same clip prompt many times; the cache must give back the same inputs only
 * for the same prompt and the same pixels, and stay within its byte budget.
 */
import { describe, expect, it } from 'vitest';
import { InputsCache } from '../../src/memorize/inputs-cache';
import type { RgbFrame } from '../../src/memorize/types';
import type { ChatMessage } from '../../src/memorize/prompt';

const frame = (t: number, fill: number): RgbFrame => ({ width: 4, height: 2, t, data: new Uint8Array(24).fill(fill) });
const messages = (text: string): ChatMessage[] => [{ role: 'user', content: text }];

function counting(bytes = 100) {
  let calls = 0;
  const compute = async () => ({ value: ++calls, bytes });
  return { compute, calls: () => calls };
}

describe('InputsCache', () => {
  it('computes once for the same messages and frames', async () => {
    const cache = new InputsCache<number>(1000);
    const c = counting();
    const frames = [frame(0, 1), frame(5, 2)];
    const m = messages('clip 0');
    expect(await cache.getOrCompute(m, frames, c.compute)).toBe(1);
    expect(await cache.getOrCompute(m, frames, c.compute)).toBe(1);
    expect(c.calls()).toBe(1);
  });

  it('recomputes for other messages, and for new pixels in a reused frames array', async () => {
    const cache = new InputsCache<number>(1000);
    const c = counting();
    const frames = [frame(0, 1)];
    const m = messages('clip 0');
    await cache.getOrCompute(m, frames, c.compute);
    expect(await cache.getOrCompute(messages('clip 0'), frames, c.compute)).toBe(2);
    const m2 = messages('again');
    await cache.getOrCompute(m2, frames, c.compute);
    frames[0]!.data.fill(9);
    expect(await cache.getOrCompute(m2, frames, c.compute)).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('evicts the least recently used entries beyond the budget and never caches text-only prompts', async () => {
    const cache = new InputsCache<number>(250);
    const c = counting(100);
    const m = messages('x');
    const a = [frame(0, 1)], b = [frame(1, 2)], d = [frame(2, 3)];
    await cache.getOrCompute(m, a, c.compute);
    await cache.getOrCompute(m, b, c.compute);
    await cache.getOrCompute(m, a, c.compute); // a is now the most recent
    await cache.getOrCompute(m, d, c.compute); // over budget: b goes
    expect(cache.size).toBe(2);
    expect(cache.usedBytes).toBe(200);
    const before = c.calls();
    await cache.getOrCompute(m, a, c.compute);
    expect(c.calls()).toBe(before);
    await cache.getOrCompute(m, b, c.compute);
    expect(c.calls()).toBe(before + 1);
    const empty: RgbFrame[] = [];
    await cache.getOrCompute(m, empty, c.compute);
    await cache.getOrCompute(m, empty, c.compute);
    expect(c.calls()).toBe(before + 3);
  });
});

/**
 * `adapter:train --rounds R` (scripts/adapter-train.ts): each later round of Phase Two samples its
 * candidates under the vector the round before trained and trains on from it, on the clips the
 * first round memorized. Run on the committed fixture and a short world stream, with few steps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainAdapter, TrainingCache } from '../../scripts/adapter-train';
import { writeWorldStream } from '../../scripts/lib/world-files';
import { useLocalModels } from '../../scripts/lib/node-models';
import { Vlm } from '../../src/memorize/vlm';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';
import { fnv1a } from '../../src/util/fnv1a';

let vlm: Vlm;
let dir: string;
let manifest: string;
beforeAll(async () => {
  useLocalModels();
  vlm = await Vlm.load(getModelSpec(FIXTURE_MODEL_ID));
  dir = mkdtempSync(join(tmpdir(), 'taskmem-rounds-'));
  manifest = (await writeWorldStream({ seed: 3, outDir: join(dir, 'stream'), minutes: 2, focus: 'color', video: false, questionsPerMinute: 8 })).manifestPath;
});
afterAll(async () => {
  await vlm?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const small = { steps: 2, candidates: 3, directions: 1 };

describe('Phase Two rounds', () => {
  it('samples a later round under the vector the round before trained, on the clips the first round memorized', async () => {
    const cache = new TrainingCache();
    const pairsCache = cache.collections;
    const lines: string[] = [];
    const two = await trainAdapter([manifest], { vlm, ...small, rounds: 2, cache, log: (l) => lines.push(l) });
    expect(two.metrics.rounds).toBe(2);
    expect(lines.some((l) => l.startsWith('round 2: '))).toBe(true);

    // One collection per round: the second is keyed by the vector it sampled under, the first by none.
    const keys = [...pairsCache.keys()].map((k) => JSON.parse(k) as unknown[]);
    expect(keys).toHaveLength(2);
    expect(keys.map((k) => k[3] === null)).toEqual([true, false]);
    const [first, second] = [...pairsCache.values()];
    // The clips were memorized once; the second round sampled other candidates from them.
    expect(second!.prompts).toBe(first!.prompts);
    expect(second!.collected.pairs.map((p) => p.chosen)).not.toEqual(first!.collected.pairs.map((p) => p.chosen));

    // Round 1 alone, from the same cache, trains the vector round 2 sampled under.
    const one = await trainAdapter([manifest], { vlm, ...small, rounds: 1, cache });
    expect(pairsCache.size).toBe(2);
    expect(keys[1]![3]).toBe(fnv1a(Array.from(Float32Array.from(one.vector)).join(',')));
    expect(one.trainedOn.pairs).toBe(first!.collected.pairs.length);
    expect(two.trainedOn.pairs).toBe(first!.collected.pairs.length + second!.collected.pairs.length);
    expect(two.vector).not.toEqual(one.vector);
  });
});

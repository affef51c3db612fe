/**
 * adapter:results trains several variants on the same streams; memoizedPolicy (scripts/adapter-train.ts)
 * keeps the seeded samples and the plain model's log-probabilities, so a collection that keeps
 * other pairs of the same candidates runs no model call again, and training is never memoized.
 */
import { describe, expect, it } from 'vitest';
import { memoizedPolicy } from '../../scripts/adapter-train';
import { clipPromptOf, collectPairs, DEFAULT_COLLECT, type PolicyModel } from '../../src/adapter/phase-two';
import type { ChatMessage } from '../../src/memorize/prompt';
import type { GenerateOptions } from '../../src/memorize/vlm';
import type { Clip } from '../../src/memorize/types';

/** Writes one of several memories, picked by the sampling seed; counts every call it gets. */
class CountingModel implements PolicyModel {
  calls = { generate: 0, logProb: 0 };
  steer: Float32Array | null = null;
  async generate(_m: ChatMessage[], _f: unknown, opts?: GenerateOptions) {
    this.calls.generate++;
    const colours = ['red', 'blue', 'green'];
    const seed = opts?.sample?.seed ?? 0;
    return seed % 3 === 0 ? 'KIWI appears at top.' : `KIWI, a ${colours[seed % 3]} circle, appears at top; ZED, a ${colours[(seed >> 2) % 3]} square, appears at left.`;
  }
  async completionLogProb(_m: ChatMessage[], _f: unknown, completion: string) {
    this.calls.logProb++;
    return -completion.length / 10 - (this.steer ? this.steer[0]! : 0);
  }
  setSteer(v: Float32Array | null) {
    this.steer = v;
  }
}

const clips: Clip[] = [0, 1, 2].map((i) => ({ streamId: 's', clipIndex: i, t0: 10 * i, t1: 10 * i + 10, frames: [{ width: 2, height: 2, data: new Uint8Array(12), t: 10 * i }] }));
const tasks = [{ type: 'color', question: 'What color is KIWI?' }, { type: 'shape', question: 'What shape is ZED?' }];

describe('memoizedPolicy', () => {
  it('draws the same pairs as the model itself, and a collection keeping fewer pairs calls the model no more', async () => {
    const prompts = clips.map((c) => clipPromptOf(c, [], 1));
    // With the greedy anchors, which every sampling seed shares.
    const anchored = { ...DEFAULT_COLLECT, anchors: true };
    const direct = await collectPairs(new CountingModel(), prompts, tasks, anchored);
    const model = new CountingModel();
    const calls = new Map<string, unknown>();
    const all = await collectPairs(memoizedPolicy(model, calls), prompts, tasks, anchored);
    expect(all.pairs.map((p) => [p.chosen, p.rejected, p.refChosen])).toEqual(direct.pairs.map((p) => [p.chosen, p.rejected, p.refChosen]));
    expect(all.pairs.length).toBeGreaterThan(prompts.length);
    const spent = { ...model.calls };
    // The samples, and the two greedy anchors (plain and told colour) per clip.
    expect(spent.generate).toBe((anchored.candidates + 2) * prompts.length);

    // A fresh wrapper on the same store: what adapter:results' next variant gets.
    const fewer = await collectPairs(memoizedPolicy(model, calls), prompts, tasks, { ...anchored, maxPairsPerClip: 1 });
    expect(model.calls).toEqual(spent);
    expect(fewer.pairs).toHaveLength(prompts.length);
    expect(fewer.pairs.every((p) => all.pairs.some((q) => q.chosen === p.chosen && q.rejected === p.rejected && q.clip === p.clip))).toBe(true);

    // Another sampling seed draws new samples; the greedy anchors are the same calls.
    await collectPairs(memoizedPolicy(model, calls), prompts, tasks, { ...anchored, seed: 2 });
    expect(model.calls.generate).toBe(spent.generate + anchored.candidates * prompts.length);
  });

  it('passes log-probabilities under a vector through to the model every time', async () => {
    const model = new CountingModel();
    const policy = memoizedPolicy(model, new Map());
    const [m, f] = [clipPromptOf(clips[0]!, [], 1).messages, clips[0]!.frames];
    policy.setSteer(Float32Array.of(1, 0));
    expect(await policy.completionLogProb(m, f, 'abc')).toBeCloseTo(-1.3);
    policy.setSteer(Float32Array.of(2, 0));
    expect(await policy.completionLogProb(m, f, 'abc')).toBeCloseTo(-2.3);
    await policy.completionLogProb(m, f, 'abc');
    expect(model.calls.logProb).toBe(3);
    policy.setSteer(null);
    await policy.completionLogProb(m, f, 'abc');
    await policy.completionLogProb(m, f, 'abc');
    expect(model.calls.logProb).toBe(4);
  });
});

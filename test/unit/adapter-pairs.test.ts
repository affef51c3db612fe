import { describe, expect, it } from 'vitest';
import { buildPairs } from '../../src/adapter/pairs';
import { vectorNorm } from '../../src/adapter/dpo';
import { scoreCandidate, taskProfile, type RecentTask } from '../../src/adapter/reward';
import { anchorFocus, focusPlan, CANDIDATE_CONFIDENCE, clipPromptOf, collectPairs, DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, trainSteer, type PolicyModel, type TrainingPair } from '../../src/adapter/phase-two';
import type { GenerateOptions, ScoredText } from '../../src/memorize/vlm';
import { scoredFromMarked } from './scored-text';
import type { ChatMessage } from '../../src/memorize/prompt';
import type { Clip } from '../../src/memorize/types';

const c = (text: string, reward: number) => ({ text, reward });

describe('buildPairs', () => {
  it('takes the most separated pairs first', () => {
    const pairs = buildPairs([c('b', 0.6), c('d', 0), c('a', 1), c('c', 0.3)], { minMargin: 0, maxPairs: 10 });
    expect(pairs.map((p) => `${p.chosen}>${p.rejected}`)).toEqual(['a>d', 'a>c', 'b>d', 'a>b', 'b>c', 'c>d']);
    expect(pairs[0]).toEqual({ chosen: 'a', rejected: 'd', chosenReward: 1, rejectedReward: 0, margin: 1 });
  });

  it('respects maxPairs', () => {
    const cands = [c('a', 1), c('b', 0.75), c('c', 0.5), c('d', 0.25), c('e', 0)];
    expect(buildPairs(cands, { minMargin: 0, maxPairs: 2 }).map((p) => `${p.chosen}>${p.rejected}`)).toEqual(['a>e', 'a>d']);
    expect(buildPairs(cands, { minMargin: 0 })).toHaveLength(4); // default
    expect(buildPairs(cands, { maxPairs: 0 })).toEqual([]);
  });

  it('skips ties and near-ties', () => {
    expect(buildPairs([c('a', 0.5), c('b', 0.5)], { minMargin: 0 })).toEqual([]);
    expect(buildPairs([c('a', 0.5), c('b', 0.47), c('c', 0.45)])).toEqual([]); // default margin 0.05
    const pairs = buildPairs([c('a', 0.5), c('b', 0.47), c('c', 0.3)], { minMargin: 0.1, maxPairs: 10 });
    expect(pairs.map((p) => `${p.chosen}>${p.rejected}`)).toEqual(['a>c', 'b>c']);
    expect(pairs.every((p) => p.margin > 0.1)).toBe(true);
  });

  it('dedupes identical texts, keeping the first', () => {
    const pairs = buildPairs([c('same', 1), c('other', 0), c('same', 1), c('other', 0)], { minMargin: 0, maxPairs: 10 });
    expect(pairs).toEqual([{ chosen: 'same', rejected: 'other', chosenReward: 1, rejectedReward: 0, margin: 1 }]);
  });

  it('is deterministic, breaking equal margins by rank and equal rewards by input order', () => {
    const cands = [c('x', 1), c('y', 1), c('p', 0), c('q', 0)];
    const a = buildPairs(cands, { minMargin: 0, maxPairs: 10 });
    expect(a.map((p) => `${p.chosen}>${p.rejected}`)).toEqual(['x>q', 'x>p', 'y>q', 'y>p']);
    expect(buildPairs(cands, { minMargin: 0, maxPairs: 10 })).toEqual(a);
  });

  it('rejects bad input', () => {
    expect(() => buildPairs([c('a', NaN)])).toThrow(RangeError);
    expect(() => buildPairs([], { maxPairs: -1 })).toThrow(RangeError);
    expect(() => buildPairs([], { minMargin: -0.1 })).toThrow(RangeError);
  });

  it('turns task rewards into colour-preferring pairs for colour tasks', () => {
    const profile = taskProfile([
      { type: 'color', question: 'What color is KIWI?' },
      { type: 'color', question: 'What color is the ball?' },
    ]);
    const texts = [
      'A circle labeled KIWI appears at top left.',
      'A large red circle labeled KIWI appears at top left; a blue square labeled ZED appears.',
      'Nothing changes.',
      'A circle labeled KIWI appears at top left.',
    ];
    const pairs = buildPairs(texts.map((text) => ({ text, reward: scoreCandidate(profile, text).reward })), { maxPairs: 10 });
    expect(pairs[0].chosen).toBe(texts[1]);
    expect(pairs[0].rejected).toBe(texts[2]);
    expect(pairs.every((p) => p.chosen !== texts[2])).toBe(true);
    expect(pairs).toHaveLength(3); // the duplicate is gone
  });
});

describe('collectPairs with instructed candidates', () => {
  const clip: Clip = { streamId: 's', clipIndex: 3, t0: 30, t1: 40, frames: [{ width: 2, height: 2, data: new Uint8Array(12), t: 30 }] };
  const lastText = (m: ChatMessage[]) => {
    const content = m[1]!.content as { type: string; text?: string }[];
    return content[content.length - 1]!.text ?? '';
  };
  /** Writes the colours only when its prompt asks to stress colour; records which prompts were scored. */
  class InstructionFollower implements PolicyModel {
    readonly scoredPrompts: string[] = [];
    async generate(messages: ChatMessage[]): Promise<string> {
      return lastText(messages).includes('Stress color.') ? 'KIWI, a red circle, appears at top.' : 'KIWI appears at top.';
    }
    async completionLogProb(messages: ChatMessage[]) {
      this.scoredPrompts.push(lastText(messages));
      return -1;
    }
    setSteer(_vector: Float32Array | null) {}
  }
  const tasks = [{ type: 'color', question: 'What color is KIWI?' }];

  it('samples from prompts that stress each detail, and scores every pair under the plain prompt', async () => {
    const model = new InstructionFollower();
    const prompt = clipPromptOf(clip, [], 1);
    const got = await collectPairs(model, [prompt], tasks, DEFAULT_COLLECT);
    expect(got.pairs.length).toBeGreaterThan(0);
    expect(got.pairs.every((p) => p.chosen === 'KIWI, a red circle, appears at top.' && p.rejected === 'KIWI appears at top.')).toBe(true);
    expect(model.scoredPrompts.length).toBe(2 * got.pairs.length);
    expect(model.scoredPrompts.every((t) => t === '\nWrite the memory of this clip.')).toBe(true);
  });

  it('is the default', () => expect(DEFAULT_COLLECT.instructed).toBe(true));

  /** Greedy under "Stress color." it names the colour; any sample is vague; greedy plain names none. */
  class GreedyFollower extends InstructionFollower {
    readonly generated: { greedy: boolean; prompt: string }[] = [];
    override async generate(messages: ChatMessage[], _frames?: unknown, opts?: GenerateOptions): Promise<string> {
      this.generated.push({ greedy: !opts?.sample, prompt: lastText(messages) });
      if (opts?.sample) return 'Something appears.';
      return lastText(messages).includes('Stress color.') ? 'KIWI, a red circle, appears at top.' : 'KIWI appears at top.';
    }
  }

  it('is off by default', () => expect(DEFAULT_COLLECT.anchors).toBe(false));

  it('with anchors, adds the greedy memories under the plain prompt and told the most-asked detail', async () => {
    const model = new GreedyFollower();
    const got = await collectPairs(model, [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, anchors: true });
    const greedy = model.generated.filter((g) => g.greedy).map((g) => g.prompt);
    expect(greedy).toEqual(['\nWrite the memory of this clip.', expect.stringContaining('Stress color.')]);
    expect(got.candidates).toBe(DEFAULT_COLLECT.candidates + 2);
    // The pair that ranks the greedy memories themselves: told above plain.
    expect(got.pairs.some((p) => p.chosen === 'KIWI, a red circle, appears at top.' && p.rejected === 'KIWI appears at top.')).toBe(true);
    // Without anchors the samples alone tie: nothing to learn.
    const without = await collectPairs(new GreedyFollower(), [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, anchors: false });
    expect(without).toMatchObject({ pairs: [], tiedClips: 1 });
  });

  it('tells the anchor the detail asked most that has a focus, and none for count or order alone', () => {
    const profile = (types: string[]) => taskProfile(types.map((type) => ({ type, question: 'q' })));
    expect(anchorFocus(profile(['shape', 'color', 'shape']))).toBe('shape');
    expect(anchorFocus(profile(['count', 'count', 'position']))).toBe('position');
    expect(anchorFocus(profile(['count', 'order']))).toBeNull();
    expect(anchorFocus(profile([]))).toBeNull();
  });

  it('with askedFocus, tells the instructed candidates the asked details in proportion, never size', async () => {
    const profile = (types: string[]) => taskProfile(types.map((type) => ({ type, question: 'q' })));
    // 5 slots over colour 2/4, shape 1/4, position 1/4 (count has no instruction): 2.5, 1.25, 1.25.
    expect(focusPlan(profile(['color', 'color', 'shape', 'position', 'count']), 5)).toEqual(['color', 'shape', 'position', 'color', 'color']);
    expect(focusPlan(profile(['position']), 5)).toEqual(['position', 'position', 'position', 'position', 'position']);
    // Nothing asked that has an instruction: every detail in turn, as without askedFocus.
    expect(focusPlan(profile(['count', 'order']), 5)).toEqual(['size', 'color', 'shape', 'label', 'position']);
    expect(focusPlan(profile([]), 5)).toEqual(['size', 'color', 'shape', 'label', 'position']);

    const prompts = async (askedFocus: boolean) => {
      const model = new GreedyFollower();
      await collectPairs(model, [clipPromptOf(clip, [], 1)], [...tasks, { type: 'shape', question: 'What shape is KIWI?' }], { ...DEFAULT_COLLECT, askedFocus });
      return model.generated.map((g) => /Stress (\w+)\./.exec(g.prompt)?.[1] ?? 'plain');
    };
    expect(await prompts(true)).toEqual(['plain', 'color', 'shape', 'color', 'shape', 'color']);
    expect(await prompts(false)).toEqual(['plain', 'size', 'color', 'shape', 'label', 'position']);
  });

  it('samples from the plain prompt only without it (here: identical candidates, nothing to learn)', async () => {
    const got = await collectPairs(new InstructionFollower(), [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, instructed: false, anchors: false });
    expect(got).toMatchObject({ pairs: [], tiedClips: 1 });
  });

  /** As InstructionFollower, and unsure ("?") of the new colour it writes when stressing colour. */
  class UnsureColourist extends InstructionFollower {
    override async generate(messages: ChatMessage[]) {
      return (await this.generateScored(messages)).text;
    }
    async generateScored(messages: ChatMessage[]): Promise<ScoredText> {
      return scoredFromMarked(lastText(messages).includes('Stress color.') ? 'KIWI, a red circle, appears at top; BOLT turns blue?.' : 'KIWI appears at top.');
    }
  }

  it('with confidence, ranks the candidates as the memorizer would store them, without what the model was unsure of', async () => {
    const options = { ...DEFAULT_COLLECT, confidence: CANDIDATE_CONFIDENCE };
    const got = await collectPairs(new UnsureColourist(), [clipPromptOf(clip, [], 1)], tasks, options);
    expect(got.pairs.length).toBeGreaterThan(0);
    expect(got.pairs.every((p) => p.chosen === 'KIWI, a red circle, appears at top.')).toBe(true);
    const unfiltered = await collectPairs(new UnsureColourist(), [clipPromptOf(clip, [], 1)], tasks, { ...options, confidence: undefined });
    expect(unfiltered.pairs.every((p) => p.chosen === 'KIWI, a red circle, appears at top; BOLT turns blue.')).toBe(true);
  });

  /** Stressing colour, lists colours without saying whose; stressing labels, names the object it colours. */
  class ColourLister extends InstructionFollower {
    override async generate(messages: ChatMessage[]) {
      const prompt = lastText(messages);
      if (prompt.includes('Stress color.')) return 'A red circle, a blue cross and a green ring appear.';
      if (prompt.includes('Stress label.')) return 'KIWI, a red circle, appears.';
      return 'Something appears.';
    }
  }

  it('by default prefers the memory that ties the colour to the named object the questions ask about', async () => {
    expect(DEFAULT_COLLECT.keyed).toBe(true);
    const keyed = await collectPairs(new ColourLister(), [clipPromptOf(clip, [], 1)], tasks, DEFAULT_COLLECT);
    expect(keyed.pairs[0]!.chosen).toBe('KIWI, a red circle, appears.');
    const unkeyed = await collectPairs(new ColourLister(), [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, keyed: false });
    expect(unkeyed.pairs[0]!.chosen).toBe('A red circle, a blue cross and a green ring appear.');
  });

  /** Stressing position, says where objects left and stayed; stressing labels, where one appeared. */
  class PlaceTeller extends InstructionFollower {
    override async generate(messages: ChatMessage[]) {
      const prompt = lastText(messages);
      if (prompt.includes('Stress position.')) return 'KIWI leaves from top left; ZED stays at center.';
      if (prompt.includes('Stress label.')) return 'KIWI appears at top.';
      return 'Something appears.';
    }
  }

  it('with askedEvents, prefers the memory that answers the events the place questions ask about', async () => {
    const placeTasks: RecentTask[] = [{ type: 'position', question: 'Where did KIWI appear?' }];
    const plain = await collectPairs(new PlaceTeller(), [clipPromptOf(clip, [], 1)], placeTasks, DEFAULT_COLLECT);
    expect(plain.pairs[0]!.chosen).toBe('KIWI leaves from top left; ZED stays at center.');
    const asked = await collectPairs(new PlaceTeller(), [clipPromptOf(clip, [], 1)], placeTasks, { ...DEFAULT_COLLECT, askedEvents: true });
    expect(asked.pairs[0]!.chosen).toBe('KIWI appears at top.');
  });

  it('draws every candidate with its own seed, fixed by clip, candidate and CollectOptions.seed', async () => {
    const seedsOf = async (seed?: number) => {
      const drawn: (number | undefined)[] = [];
      class Recorder extends InstructionFollower {
        override async generate(messages: ChatMessage[], _frames?: unknown[], opts?: GenerateOptions) {
          drawn.push(opts?.sample?.seed);
          return super.generate(messages);
        }
      }
      await collectPairs(new Recorder(), [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, seed });
      return drawn;
    };
    const first = await seedsOf();
    expect(first).toHaveLength(DEFAULT_COLLECT.candidates);
    expect(new Set(first).size).toBe(first.length);
    expect(await seedsOf()).toEqual(first);
    expect(await seedsOf(2)).not.toEqual(first);
  });
  /** Names the colour only under a steer vector; scores under whichever vector is set. */
  class SteeredColourist extends InstructionFollower {
    private steered = false;
    readonly scoredUnder: boolean[] = [];
    override async generate() {
      return this.steered ? 'KIWI, a red circle, appears at top.' : 'KIWI appears at top.';
    }
    override async completionLogProb(messages: ChatMessage[]) {
      this.scoredUnder.push(this.steered);
      return super.completionLogProb(messages);
    }
    override setSteer(v: Float32Array | null) {
      this.steered = v !== null;
    }
  }

  it('samples under samplingVector (a later, on-policy round) and takes the reference log-probabilities from the plain model', async () => {
    const plain = await collectPairs(new SteeredColourist(), [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, instructed: false });
    expect(plain).toMatchObject({ pairs: [], tiedClips: 1 });
    // Half the draws under the vector, half without: only then do the candidates differ.
    class Alternating extends SteeredColourist {
      private draws = 0;
      override async generate() {
        const text = await super.generate();
        return this.draws++ % 2 ? 'KIWI appears at top.' : text;
      }
    }
    const model = new Alternating();
    const got = await collectPairs(model, [clipPromptOf(clip, [], 1)], tasks, { ...DEFAULT_COLLECT, instructed: false, samplingVector: new Float32Array(4).fill(1) });
    expect(got.pairs.length).toBeGreaterThan(0);
    expect(got.pairs[0]!.chosen).toBe('KIWI, a red circle, appears at top.');
    expect(model.scoredUnder).toHaveLength(2 * got.pairs.length);
    expect(model.scoredUnder.every((steered) => !steered)).toBe(true);
  });
});

describe('trainSteer with the chosen memories\' likelihood', () => {
  /**
   * Log-probabilities linear in a 2-number vector: DPO's margin grows fastest along v[1], which makes
   * the rejected memory much less likely and the chosen one less likely too; only v[0] makes the
   * chosen memory likelier.
   */
  class LinearPolicy implements PolicyModel {
    private v = new Float32Array(2);
    async generate() { return ''; }
    async completionLogProb(_m: ChatMessage[], _f: unknown[], completion: string) {
      return completion === 'chosen' ? -5 + this.v[0]! - this.v[1]! : -5 - 3 * this.v[1]!;
    }
    setSteer(v: Float32Array | null) { this.v = v ? Float32Array.from(v) : new Float32Array(2); }
  }
  const clip = clipPromptOf({ streamId: 's', clipIndex: 0, t0: 0, t1: 10, frames: [] }, [], 1);
  const pair: TrainingPair = { clip, chosen: 'chosen', rejected: 'rejected', margin: 1, refChosen: -5, refRejected: -5, policyChosen: -5, policyRejected: -5 };
  const train = (chosenWeight: number) => trainSteer(new LinearPolicy(), [pair], 2, {
    ...DEFAULT_STEER_TRAINING, chosenWeight, steps: 60, lr: 0.2, perturbation: 0.1, maxNorm: 3, l2: 0, seed: 4,
  });

  it('is on by default', () => expect(DEFAULT_STEER_TRAINING.chosenWeight).toBe(1));

  it('makes the chosen memory likelier, where DPO alone widens the margin by making both less likely', async () => {
    const chosenGain = (v: Float32Array) => v[0]! - v[1]!;
    const alone = await train(0);
    const withChosen = await train(1);
    expect(alone.metrics.marginAfter).toBeGreaterThan(0);
    expect(withChosen.metrics.marginAfter).toBeGreaterThan(0);
    expect(chosenGain(alone.vector)).toBeLessThan(0);
    expect(chosenGain(withChosen.vector)).toBeGreaterThan(0);
  });

  it('averages as many SPSA directions per step as asked, each probe pair scoring its minibatch', async () => {
    const probesPerStep = async (directions: number) => {
      const policy = new LinearPolicy();
      let calls = 0;
      const score = policy.completionLogProb.bind(policy);
      policy.completionLogProb = (m, f, completion) => { calls++; return score(m, f, completion); };
      const steps = 5;
      await trainSteer(policy, [pair], 2, { ...DEFAULT_STEER_TRAINING, steps, batch: 1, directions, seed: 4 });
      // Before and after training score the one pair once each (2 calls apiece); each probe scores it too.
      return (calls - 4) / 2 / steps;
    };
    expect(await probesPerStep(1)).toBe(2);
    expect(await probesPerStep(3)).toBe(6);
  });

  it('returns the trained vector times its strength, and divides a start vector by it so retraining does not compound it', async () => {
    const opts = { ...DEFAULT_STEER_TRAINING, chosenWeight: 1, steps: 20, lr: 0.2, perturbation: 0.1, maxNorm: 3, l2: 0, seed: 4, directions: 2 };
    const plain = await trainSteer(new LinearPolicy(), [pair], 2, { ...opts, strength: 1 });
    const doubled = await trainSteer(new LinearPolicy(), [pair], 2, { ...opts, strength: 2 });
    expect(vectorNorm(plain.vector)).toBeGreaterThan(0);
    expect(Array.from(doubled.vector)).toEqual(Array.from(plain.vector, (x) => 2 * x));
    expect(doubled.metrics.norm).toBeCloseTo(2 * plain.metrics.norm, 5);
    // Zero steps from a stored vector give it back unchanged, and its loss is the loss before.
    const again = await trainSteer(new LinearPolicy(), [pair], 2, { ...opts, strength: 2, steps: 0, maxNorm: 30, init: doubled.vector });
    expect(Array.from(again.vector)).toEqual(Array.from(doubled.vector));
    expect(again.metrics.lossBefore).toBeCloseTo(again.metrics.lossAfter, 6);
    await expect(trainSteer(new LinearPolicy(), [pair], 2, { ...opts, strength: 0 })).rejects.toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORIZER_OPTIONS, Memorizer, type TextGenerator } from '../../src/memorize/memorizer';
import { fitFrame, clipFrameTimes } from '../../src/memorize/frames';
import type { ChatMessage } from '../../src/memorize/prompt';
import type { GenerateOptions, ScoredText } from '../../src/memorize/vlm';
import type { Clip } from '../../src/memorize/types';
import { scoredFromMarked } from './scored-text';

/** Replays fixed outputs so the policy around the model (window, retries, rejection) is testable. */
class ScriptedModel implements TextGenerator {
  readonly spec = { id: 'scripted', frame: { perClip: 1 } };
  readonly calls: { messages: ChatMessage[]; opts?: GenerateOptions }[] = [];
  constructor(private readonly outputs: string[]) {}
  async generate(messages: ChatMessage[], _frames: unknown[], opts?: GenerateOptions) {
    this.calls.push({ messages, opts });
    return this.outputs.shift() ?? '';
  }
}

/** Scripted outputs with token log-probabilities: one token per word, `NAME?` marks a name the model was unsure of. */
class ScriptedScoredModel extends ScriptedModel {
  async generateScored(messages: ChatMessage[], frames: unknown[], opts?: GenerateOptions): Promise<ScoredText> {
    return scoredFromMarked(await this.generate(messages, frames, opts));
  }
}

const clip = (i: number): Clip => ({
  streamId: 's',
  clipIndex: i,
  t0: i * 10,
  t1: i * 10 + 10,
  frames: [{ width: 2, height: 2, data: new Uint8Array(12), t: i * 10 }],
});

const userText = (m: ChatMessage[]) => (m[1].content as { type: string; text?: string }[]).map((c) => c.text ?? '[img]').join('');

describe('memorizer policy', () => {
  it('shows the model its own previous memories, a sliding window of two', async () => {
    const model = new ScriptedModel(['KIWI appears.', 'BOLT appears.', 'ZED appears.', 'OAK appears.']);
    const m = new Memorizer(model);
    for (let i = 0; i < 4; i++) expect((await m.memorize(clip(i))).ok).toBe(true);
    const last = userText(model.calls[3].messages);
    expect(last).toContain('[0:10-0:20] BOLT appears.\n[0:20-0:30] ZED appears.');
    expect(last).not.toContain('KIWI');
    expect(userText(model.calls[0].messages)).toContain('Earlier memories:\nnone');
  });

  it('asks to stress a detail only when told to (the app never is), on every attempt', async () => {
    const told = new ScriptedModel(['', 'KIWI, a red circle, appears.']);
    expect((await new Memorizer(told, { focus: 'color' }).memorize(clip(0))).ok).toBe(true);
    expect(told.calls.map((c) => userText(c.messages).endsWith('Write the memory of this clip. Stress color.'))).toEqual([true, true]);
    const plain = new ScriptedModel(['KIWI appears.']);
    await new Memorizer(plain).memorize(clip(0));
    expect(userText(plain.calls[0].messages).endsWith('Write the memory of this clip.')).toBe(true);
  });

  it('retries an invalid greedy output with sampling and stores the valid retry', async () => {
    const model = new ScriptedModel(['', 'KIWI moves to center.']);
    const r = await new Memorizer(model).memorize(clip(0));
    expect(r).toMatchObject({ ok: true, memory: { text: 'KIWI moves to center.', clipIndex: 0, t0: 0, t1: 10, modelId: 'scripted', adapterVersion: 0 } });
    expect(model.calls[0].opts?.sample).toBeUndefined();
    expect(model.calls[1].opts?.sample?.temperature).toBeGreaterThan(0);
  });

  it('seeds each retry by clip and attempt, so a rerun of the same clip draws the same retries', async () => {
    const seedsOf = async (i: number) => {
      const model = new ScriptedModel(['', '', 'KIWI appears.']);
      await new Memorizer(model).memorize(clip(i));
      return model.calls.slice(1).map((c) => c.opts?.sample?.seed);
    };
    const first = await seedsOf(0);
    expect(first.every((s) => Number.isInteger(s))).toBe(true);
    expect(new Set(first).size).toBe(2);
    expect(await seedsOf(0)).toEqual(first);
    expect(await seedsOf(1)).not.toEqual(first);
  });

  it('rejects a clip when every attempt is garbage, keeping the attempts, and never stores it', async () => {
    const model = new ScriptedModel(['', 'red red red red red red', '<|im_end|>']);
    const m = new Memorizer(model);
    const r = await m.memorize(clip(0));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejected.attempts).toHaveLength(3);
    expect(r.rejected.reason).toMatch(/empty/);
    expect(m.windowFor('s')).toEqual([]);
  });

  it('rejects a copy of the previous memory', async () => {
    const model = new ScriptedModel(['KIWI moves to center.', 'KIWI moves to center.', 'KIWI moves to center.', 'KIWI moves to center.']);
    const m = new Memorizer(model);
    await m.memorize(clip(0));
    const r = await m.memorize(clip(1));
    expect(r).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/repeated/) } });
  });
});

describe('memorizer with a model that reports how sure it was', () => {
  it('stores the memory without the names the model was unsure of, notes the repair, and shows that text in the window', async () => {
    const model = new ScriptedScoredModel(['KIWI?, a small red circle, appears; a square labeled OAK leaves.', 'OAK moves to left.']);
    const m = new Memorizer(model, { dropNamesBelow: -1 });
    const r = await m.memorize(clip(0));
    expect(r).toMatchObject({ ok: true, memory: { text: 'A small red circle appears; a square labeled OAK leaves.' } });
    expect(r.ok && r.repairs).toEqual(['dropped uncertain name KIWI']);
    await m.memorize(clip(1));
    expect(userText(model.calls[1]!.messages)).toContain('[0:00-0:10] A small red circle appears; a square labeled OAK leaves.');
  });

  it('retries with sampling when it was unsure of every name it wrote, and says so when no attempt is left', async () => {
    const model = new ScriptedScoredModel(['PLUM? appears.', 'ZED? leaves.', 'TUSK? moves to top.']);
    const r = await new Memorizer(model, { dropNamesBelow: -1 }).memorize(clip(0));
    expect(model.calls.map((c) => c.opts?.sample === undefined)).toEqual([true, false, false]);
    expect(r).toMatchObject({ ok: false, rejected: { reason: expect.stringMatching(/^uncertain: .*TUSK/), attempts: ['PLUM appears.', 'ZED leaves.', 'TUSK moves to top.'] } });
  });

  it('by default keeps every name and drops the places and colour changes it was unsure of', async () => {
    const model = new ScriptedScoredModel(['KIWI? appears at left?; OAK turns red?; ZED moves to top.']);
    const r = await new Memorizer(model).memorize(clip(0));
    expect(r).toMatchObject({ ok: true, memory: { text: 'KIWI appears; ZED moves to top.' } });
    expect(r.ok && r.repairs).toEqual(['dropped uncertain place "at left", clause "OAK turns red" (uncertain colour red)']);
  });

  it('writes the model\'s own text with both filters off, without asking how sure it was', async () => {
    const model = new ScriptedScoredModel(['OAK appears at left.', 'OAK leaves.']);
    let scored = 0;
    const generateScored = model.generateScored.bind(model);
    model.generateScored = (...a) => (scored++, generateScored(...a));
    const r = await new Memorizer(model, { dropNamesBelow: null, dropDetailsBelow: null }).memorize(clip(0));
    expect(r).toMatchObject({ ok: true, memory: { text: 'OAK appears at left.' }, repairs: [] });
    expect(scored).toBe(0);
    await new Memorizer(model).memorize(clip(1));
    expect(scored).toBe(1);
  });

  it('keeps the default of an option passed as undefined (callers pass their own optional settings through)', () => {
    const m = new Memorizer(new ScriptedModel([]), { dropDetailsBelow: undefined, window: 3 });
    expect(m.options.dropDetailsBelow).toBe(DEFAULT_MEMORIZER_OPTIONS.dropDetailsBelow);
    expect(m.options.window).toBe(3);
  });
});

describe('frame fitting', () => {
  it('keeps frames of the native size untouched and letterboxes others to it', () => {
    const native = { width: 4, height: 2, data: new Uint8Array(24).fill(7), t: 0 };
    expect(fitFrame(native, 4, 2)).toBe(native);
    const tall = { width: 2, height: 2, data: new Uint8Array(12).fill(200), t: 0 };
    const fitted = fitFrame(tall, 4, 2);
    expect(fitted.width).toBe(4);
    expect(Array.from(fitted.data.subarray(0, 3))).toEqual([30, 34, 40]); // bar
    expect(Array.from(fitted.data.subarray(3, 6))).toEqual([200, 200, 200]); // picture
  });

  it('spreads clip frames over the clip, both ends included', () => {
    expect(clipFrameTimes(20, 30, 3)).toEqual([20, 25, 30]);
  });
});

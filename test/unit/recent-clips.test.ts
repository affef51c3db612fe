import { describe, expect, it } from 'vitest';
import { MAX_RECENT_CLIPS, RecentClips } from '../../src/worker/recent-clips';
import { clipPromptOf } from '../../src/adapter/phase-two';
import type { ClipPrompt } from '../../src/adapter/phase-two';

const prompt = (i: number, stream = 's'): ClipPrompt => ({ key: [stream, i], messages: [], frames: [], window: [] });
const indices = (b: RecentClips) => b.keys().map((k) => k[1]);

describe('recent clips for adapter training', () => {
  it('keeps the newest clips up to the capacity, replacing a clip seen again', () => {
    const b = new RecentClips(3);
    for (let i = 0; i < 5; i++) b.add(prompt(i));
    expect(indices(b)).toEqual([2, 3, 4]);
    b.add(prompt(3));
    expect(indices(b)).toEqual([2, 4, 3]);
    b.add(prompt(5), 2); // the capacity comes with each memorize request
    expect(indices(b)).toEqual([3, 5]);
  });

  it('never holds more than MAX_RECENT_CLIPS clips, whatever capacity a request asks for', () => {
    const frame = { width: 2, height: 2, t: 0, data: new Uint8Array(12) };
    const b = new RecentClips(1e6);
    for (let i = 0; i < 100; i++) b.add({ ...prompt(i), frames: [frame, frame, frame] }, 1e9);
    expect(b.size).toBe(MAX_RECENT_CLIPS);
    expect(b.limit).toBe(MAX_RECENT_CLIPS);
    expect(b.frames).toBe(3 * MAX_RECENT_CLIPS);
    b.add(prompt(100), Number.NaN); // a nonsense setting keeps nothing rather than everything
    expect(b.size).toBe(0);
  });

  it('hands clips over once; clips a run did not learn from come back behind newer ones', () => {
    const b = new RecentClips(3);
    b.add(prompt(0));
    b.add(prompt(1));
    const taken = b.take();
    expect(taken.map((c) => c.key[1])).toEqual([0, 1]);
    expect(b.size).toBe(0);
    b.add(prompt(2));
    b.add(prompt(3));
    b.giveBack(taken);
    expect(indices(b)).toEqual([1, 2, 3]);
  });

  it('builds the prompt the memorizer sees, window included', () => {
    const frames = [0, 1, 2].map((t) => ({ width: 1, height: 1, data: new Uint8Array(3), t }));
    const p = clipPromptOf({ streamId: 's', clipIndex: 4, t0: 40, t1: 50, frames }, [{ t0: 30, t1: 40, text: 'KIWI appears.' }], 2);
    expect(p.key).toEqual(['s', 4]);
    expect(p.window).toEqual(['KIWI appears.']);
    expect(p.frames).toBe(frames);
    const user = JSON.stringify(p.messages[1]);
    expect(user).toContain('[0:30-0:40] KIWI appears.');
    expect(user.match(/"image"/g)).toHaveLength(2);
  });
});

describe('forgotten clips in the training buffer', () => {
  it('drops them now and refuses them when a cancelled run gives them back', () => {
    const b = new RecentClips(5);
    for (let i = 0; i < 4; i++) b.add(prompt(i));
    const taken = b.take();
    b.add(prompt(4));
    b.add(prompt(5));
    b.forget([['s', 1], ['s', 5], ['other', 0]]);
    expect(indices(b)).toEqual([4]);
    b.giveBack(taken);
    expect(indices(b)).toEqual([0, 2, 3, 4]);
  });
});

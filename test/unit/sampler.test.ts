import { describe, expect, it } from 'vitest';
import { ClipSampler, greyThumbnail, sceneDifference } from '../../src/capture/sampler';
import { ClipQueue } from '../../src/capture/clip-queue';
import { simulateWorld, stateAt } from '../../src/world/simulate';
import { renderFrame } from '../../src/world/render';
import type { Clip, RgbFrame } from '../../src/memorize/types';

const W = 192;
const H = 128;
const world = simulateWorld({ seed: 4, durationSeconds: 60 });
const frameAt = (t: number): RgbFrame => ({ width: W, height: H, t, data: renderFrame(stateAt(world, t), W, H) });

describe('clip sampler', () => {
  it('cuts 10-second clips with the model frames at start, middle and end', () => {
    const s = new ClipSampler({ streamId: 'w', clipSeconds: 10, framesPerClip: 3, sampleEverySeconds: 1, sceneChangeThreshold: 1.5 });
    const clips: Clip[] = [];
    for (let i = 0; i <= 5 * 30; i++) clips.push(...s.push(frameAt(i / 5))); // 5 fps for 30 s
    expect(clips.map((c) => [c.clipIndex, c.t0, c.t1])).toEqual([[0, 0, 10], [1, 10, 20], [2, 20, 30]]);
    for (const c of clips) {
      expect(c.frames.map((f) => f.t)).toEqual([c.t0, c.t0 + 5, c.t1]);
      // each stands for the scene at its time: same pixels as a direct render
      for (const f of c.frames) expect(sceneDifference(greyThumbnail(f), greyThumbnail(frameAt(f.t)))).toBeLessThan(1.5);
    }
  });

  it('skips near-duplicate frames but keeps every scene change', () => {
    const s = new ClipSampler({ streamId: 'w', clipSeconds: 10, framesPerClip: 3, sampleEverySeconds: 1, sceneChangeThreshold: 1.5 });
    for (let i = 0; i <= 5 * 60; i++) s.push(frameAt(i / 5));
    expect(s.stats.skippedDuplicates).toBeGreaterThan(s.stats.kept);
    const changes = new Set(world.events.filter((e) => e.t < 60).map((e) => Math.ceil(e.t)));
    expect(s.stats.kept).toBeGreaterThanOrEqual(Math.min(changes.size, 1) + 1);
  });

  it('flushes a final partial clip only when at least half a clip was seen', () => {
    const s = new ClipSampler({ streamId: 'w', clipSeconds: 10, framesPerClip: 3, sampleEverySeconds: 1, sceneChangeThreshold: 1.5 });
    for (let t = 0; t <= 13; t++) s.push(frameAt(t));
    expect(s.flush(13)).toBeNull();
    for (let t = 14; t <= 17; t++) s.push(frameAt(t));
    expect(s.flush(17)).toMatchObject({ clipIndex: 1, t0: 10, t1: 17 });
  });
});

describe('clip queue backpressure', () => {
  const clip = (i: number): Clip => ({ streamId: 'w', clipIndex: i, t0: i * 10, t1: i * 10 + 10, frames: [frameAt(i * 10), frameAt(i * 10 + 5), frameAt(i * 10 + 10)] });

  it('reports lag while clips wait, and merges the oldest instead of dropping when full', async () => {
    const events: string[] = [];
    const q = new ClipQueue(3, (_s, e) => e && events.push(`${e.merged[0].clipIndex}+${e.merged[1].clipIndex}`));
    for (let i = 0; i < 3; i++) q.push(clip(i));
    expect(q.state).toMatchObject({ waiting: 3, lagSeconds: 30, merged: 0 });
    q.push(clip(3));
    expect(events).toEqual(['0+1']);
    expect(q.state).toMatchObject({ waiting: 3, lagSeconds: 40, merged: 1 });
    const merged = await q.next();
    expect(merged).toMatchObject({ clipIndex: 0, t0: 0, t1: 20 });
    expect(merged.frames.map((f) => f.t)).toEqual([0, 10, 20]);
    expect((await q.next()).clipIndex).toBe(2);
    expect((await q.next()).clipIndex).toBe(3);
  });

  it('hands a clip straight to a waiting consumer', async () => {
    const q = new ClipQueue(2);
    const pending = q.next();
    q.push(clip(5));
    expect((await pending).clipIndex).toBe(5);
    expect(q.state.waiting).toBe(0);
  });
});

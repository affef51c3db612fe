import { describe, expect, it } from 'vitest';
import { ClipSampler, greyThumbnail, samplingInterval, sceneDifference } from '../../src/capture/sampler';
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

describe('sampling back-off', () => {
  it('slows down when the tab is hidden and when memorization falls behind, and recovers', () => {
    expect(samplingInterval(1, { hidden: false, waiting: 0, capacity: 6 })).toEqual({ everySeconds: 1, reasons: [] });
    expect(samplingInterval(1, { hidden: true, waiting: 0, capacity: 6 })).toEqual({ everySeconds: 4, reasons: ['hidden'] });
    expect(samplingInterval(1, { hidden: false, waiting: 3, capacity: 6 })).toEqual({ everySeconds: 2, reasons: ['behind'] });
    expect(samplingInterval(1, { hidden: false, waiting: 5, capacity: 6 })).toEqual({ everySeconds: 4, reasons: ['behind'] });
    expect(samplingInterval(1, { hidden: true, waiting: 6, capacity: 6 })).toEqual({ everySeconds: 16, reasons: ['hidden', 'behind'] });
    expect(samplingInterval(1, { hidden: false, waiting: 2, capacity: 6 }).everySeconds).toBe(1);
  });

  it('asks for (and keeps) fewer frames at a slower rate, yet cuts every clip with its frames', () => {
    const run = (every: number) => {
      const s = new ClipSampler({ streamId: 'w', clipSeconds: 10, framesPerClip: 3, sampleEverySeconds: 1, sceneChangeThreshold: 0 });
      s.setSampleEvery(every);
      let grabbed = 0;
      let maxHeld = 0;
      const clips: Clip[] = [];
      for (let i = 0; i <= 4 * 60; i++) {
        const t = i / 4; // the controller's 4 ticks a second
        if (!s.due(t)) continue;
        grabbed++;
        clips.push(...s.push(frameAt(t)));
        maxHeld = Math.max(maxHeld, s.held);
      }
      return { grabbed, kept: s.stats.kept, clips, maxHeld };
    };
    const normal = run(1);
    const slow = run(4);
    expect(normal.grabbed).toBe(61);
    // 15 frames at the slow rate plus at most one per clip boundary.
    expect(slow.grabbed).toBeLessThanOrEqual(15 + 6);
    for (const r of [normal, slow]) {
      expect(r.clips.map((c) => [c.t0, c.t1])).toEqual([[0, 10], [10, 20], [20, 30], [30, 40], [40, 50], [50, 60]]);
      for (const c of r.clips) expect(c.frames).toHaveLength(3);
    }
    // The frames waiting for a clip are bounded by the clip length over the interval (+ the boundary frames).
    expect(normal.maxHeld).toBeLessThanOrEqual(12);
    expect(slow.maxHeld).toBeLessThanOrEqual(5);
  });

  it('puts back a clip that could not be memorized ahead of later ones', async () => {
    const clip = (i: number): Clip => ({ streamId: 'w', clipIndex: i, t0: i * 10, t1: i * 10 + 10, frames: [] });
    const q = new ClipQueue(3);
    q.push(clip(1));
    q.push(clip(2));
    const first = await q.next();
    q.requeue(first);
    expect((await q.next()).clipIndex).toBe(1);
    expect((await q.next()).clipIndex).toBe(2);
    const waiting = q.next();
    q.requeue(clip(7));
    expect((await waiting).clipIndex).toBe(7);
  });
});

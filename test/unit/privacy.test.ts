/**
 * The pure parts of privacy control in Node: which adapter versions a deletion makes stale (own
 * data and lineage), which version to roll back to, retention settings checks, approximate sizes,
 * and a sampler resumed after a pause continuing its clip numbers from the resume time.
 */
import { describe, expect, it } from 'vitest';
import { inheritedStaleness, lastCleanVersion, memoryKeyOf, newlyStale, stalenessOf } from '../../src/store/staleness';
import { checkRetention, RetentionError } from '../../src/store/retention';
import { approxBytes, formatBytes } from '../../src/store/usage';
import { ClipSampler } from '../../src/capture/sampler';
import type { AdapterRecord } from '../../src/store/schema';

const version = (v: number, taskIds: number[], keys: [string, number][], extra: Partial<AdapterRecord> = {}): AdapterRecord => ({
  modelId: 'm', layer: 1, version: v, vector: new Float32Array(4), createdAt: v, trainedOn: { taskIds, memoryKeys: keys }, metrics: {}, ...extra,
});
const deleted = (taskIds: number[], keys: [string, number][]) => ({ taskIds: new Set(taskIds), memoryKeys: new Set(keys.map(([s, c]) => memoryKeyOf(s, c))) });

describe('adapter staleness', () => {
  it('marks a version stale when a task or memory it learned from is deleted, naming exactly those', () => {
    const records = [version(1, [1, 2], [['s', 0], ['s', 1]], { parentVersion: 0 }), version(2, [3], [['s', 5]], { parentVersion: 0 })];
    const out = newlyStale(records, deleted([2, 9], [['s', 1], ['t', 1]]), 'forgotten', 100);
    expect(out.map((r) => r.version)).toEqual([1]);
    expect(out[0].stale).toEqual({ reason: 'forgotten', at: 100, taskIds: [2], memoryKeys: [['s', 1]] });
    expect(newlyStale(records, deleted([4], [['s', 2]]), 'x', 1)).toEqual([]);
  });

  it('passes staleness down the lineage: a version trained from a stale one is stale, one trained after a reset is not', () => {
    const records = [
      version(1, [1], [['s', 0]], { parentVersion: 0 }),
      version(2, [2], [['s', 1]], { parentVersion: 1 }),
      version(3, [3], [['s', 2]], { parentVersion: 0 }), // trained after a reset
      version(4, [4], [['s', 3]], { parentVersion: 3 }),
    ];
    const out = newlyStale(records, deleted([1], []), 'gone', 5);
    expect(out.map((r) => [r.version, r.stale?.fromVersion ?? null])).toEqual([[1, null], [2, 1]]);
    expect(out[1].stale?.reason).toBe('trained starting from v1, which is stale');
  });

  it('reads versions without parentVersion as trained from the one below, and keeps lines of other models apart', () => {
    const records = [version(1, [1], []), version(2, [2], []), { ...version(2, [1], []), modelId: 'other' }];
    const out = newlyStale(records, deleted([1], []), 'gone', 5);
    expect(out.map((r) => `${r.modelId}:v${r.version}`).sort()).toEqual(['m:v1', 'm:v2', 'other:v2']);
    const other = newlyStale([{ ...version(1, [7], []), modelId: 'other' }, version(2, [8], [])], deleted([7], []), 'gone', 5);
    expect(other.map((r) => `${r.modelId}:v${r.version}`)).toEqual(['other:v1']);
  });

  it('keeps the first reason of a version already stale', () => {
    const first = { reason: 'first', at: 1, taskIds: [1], memoryKeys: [] };
    expect(newlyStale([version(1, [1, 2], [], { stale: first })], deleted([2], []), 'second', 2)).toEqual([]);
  });

  it('rolls back to the newest clean version below the active one, or the plain model', () => {
    const s = { reason: 'x', at: 1, taskIds: [], memoryKeys: [] };
    const line = [version(1, [], []), version(2, [], [], { stale: s }), version(3, [], []), version(4, [], [], { stale: s })];
    expect(lastCleanVersion(line, 4)).toBe(3);
    expect(lastCleanVersion(line, 3)).toBe(1);
    expect(lastCleanVersion(line.slice(1, 2), 2)).toBe(0);
    expect(inheritedStaleness(line[1], 9)).toMatchObject({ fromVersion: 2, at: 9 });
    expect(inheritedStaleness(line[0], 9)).toBeUndefined();
  });

  it('reads a damaged stale mark (e.g. from an import) as stale, with safe fields', () => {
    expect(stalenessOf(version(1, [], []))).toBeUndefined();
    expect(stalenessOf(version(1, [], [], { stale: {} as never }))).toEqual({ reason: 'marked stale', at: 0, taskIds: [], memoryKeys: [] });
    expect(stalenessOf(version(1, [], [], { stale: 'yes' as never }))?.reason).toBe('marked stale');
    expect(stalenessOf(version(1, [], [], { stale: { reason: 'r', at: 3, taskIds: [1, 'x'], memoryKeys: [['s', 1], 'bad'] } as never }))).toEqual({ reason: 'r', at: 3, taskIds: [1], memoryKeys: [['s', 1]] });
  });

  it('spells memory keys unambiguously', () => {
    expect(memoryKeyOf('a,1', 2)).not.toBe(memoryKeyOf('a', 12));
  });
});

describe('retention settings', () => {
  it('accepts limits, empty limits and keep forever', () => {
    expect(checkRetention({ maxAgeDays: 30, maxMegabytes: 0.5e3, keepForever: false })).toEqual({ maxAgeDays: 30, maxMegabytes: 500, keepForever: false });
    expect(checkRetention({ maxAgeDays: null, maxMegabytes: null, keepForever: true })).toEqual({ maxAgeDays: null, maxMegabytes: null, keepForever: true });
    expect(checkRetention({})).toEqual({ maxAgeDays: null, maxMegabytes: null, keepForever: false });
  });

  it('refuses bad values with a message that says what is allowed', () => {
    for (const bad of [null, 'x', { maxAgeDays: 0 }, { maxAgeDays: 1.5 }, { maxAgeDays: NaN }, { maxAgeDays: '3' }, { maxMegabytes: -1 }, { maxMegabytes: Infinity }, { keepForever: 'yes' }])
      expect(() => checkRetention(bad), JSON.stringify(bad)).toThrow(RetentionError);
    expect(() => checkRetention({ maxAgeDays: 0 })).toThrow(/Days to keep must be a whole number from 1 to 36500, or empty/);
  });
});

describe('approximate sizes', () => {
  it('counts text by UTF-8 bytes, typed arrays and blobs by their bytes', () => {
    const small = approxBytes({ text: 'a' });
    expect(approxBytes({ text: 'é'.repeat(100) }) - small).toBe(199);
    expect(approxBytes({ v: new Float32Array(256) }) - approxBytes({ v: new Float32Array(0) })).toBe(1024);
    expect(approxBytes({ b: new Blob([new Uint8Array(5000)]) }) - approxBytes({ b: new Blob([]) })).toBe(5000);
    expect(formatBytes(1_234_567)).toBe('1.2 MB');
    expect(formatBytes(999)).toBe('999 B');
  });
});

describe('a sampler resumed after a pause', () => {
  it('starts its first clip at the resume time and continues the clip numbers', () => {
    const frame = (t: number) => ({ width: 4, height: 4, t, data: new Uint8Array(48).fill((t * 37) % 255) });
    const opts = { streamId: 's', clipSeconds: 10, framesPerClip: 2, sampleEverySeconds: 1, sceneChangeThreshold: 0 };
    const before = new ClipSampler(opts);
    const clips = [];
    for (let t = 0; t <= 14; t++) clips.push(...before.push(frame(t)));
    const flushed = before.flush(14.5);
    expect(flushed).toBeNull(); // under half a clip since 10 s: not a memory of its own
    const resumed = new ClipSampler(opts, 40, before.nextClipIndex);
    for (let t = 40; t <= 60; t++) clips.push(...resumed.push(frame(t)));
    expect(clips.map((c) => [c.clipIndex, c.t0, c.t1])).toEqual([[0, 0, 10], [1, 40, 50], [2, 50, 60]]);
    expect(clips.flatMap((c) => c.frames.map((f) => f.t)).filter((t) => t > 14.5 && t < 40)).toEqual([]);
  });
});

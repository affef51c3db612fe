/**
 * Forgetting, retention and usage on Chromium's real IndexedDB and storage estimate: what goes,
 * what stays, which adapter versions become stale (their own data and their lineage), and a storage
 * cap that deletes the oldest first without deleting more while the estimate lags.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openHarness } from './chromium';

let page: Page;
let close: () => Promise<void>;
const MIN = 60_000;

beforeAll(async () => {
  ({ page, close } = await openHarness('privacy'));
});

beforeEach(async () => {
  await page.evaluate(() => window.privacy.reset());
});

afterAll(async () => {
  await close?.();
});

describe('forgetting in IndexedDB', () => {
  it('forgets the last N minutes: memories with thumbnails, tasks asked then or citing them, emptied streams, and marks the adapters that learned from them stale', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    // The last 5 minutes: new/0 and new/1, the task asked 30 s ago and the one citing new/0.
    const summary = await page.evaluate((since) => window.privacy.forgetSince(since, []), now - 5 * MIN);
    expect(summary).toMatchObject({ memories: 2, tasks: 2, streams: 1 });
    expect(summary.memoryKeys).toEqual([['new', 0], ['new', 1]]);
    expect(summary.staleVersions.map((v) => v.version)).toEqual([2, 3]);
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.streams).toEqual(['old']);
    expect(after.memories.map((m) => m.key)).toEqual(['old/0', 'old/1', 'old/2']);
    expect(after.memories.every((m) => m.thumbBytes === 1000)).toBe(true);
    expect(after.tasks).toEqual(['old question']);
    const stale = Object.fromEntries(after.adapters.map((a) => [a.v, a.stale]));
    expect(stale[1]).toBeNull();
    // v2 learned from new/1 and the task asked in the window; v3 learned from nothing deleted but started from v2.
    expect(stale[2]).toMatchObject({ reason: 'forgotten', memoryKeys: [['new', 1]], taskIds: [expect.any(Number)] });
    expect(stale[3]).toMatchObject({ reason: 'trained starting from v2, which is stale', fromVersion: 2, memoryKeys: [], taskIds: [] });
    expect(stale[4]).toBeNull(); // trained after a reset, from the plain model
  });

  it('keeps the stream being captured even when all its memories are forgotten', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    const summary = await page.evaluate((since) => window.privacy.forgetSince(since, ['new']), now - 5 * MIN);
    expect(summary.streams).toBe(0);
    expect((await page.evaluate(() => window.privacy.snapshot())).streams).toEqual(['new', 'old']);
  });

  it('deleting a stream removes its memories and tasks and marks what learned from it stale', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    const summary = await page.evaluate(() => window.privacy.deleteStream('old'));
    expect(summary).toMatchObject({ memories: 3, streams: 1 });
    expect(summary.staleVersions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.memories.map((m) => m.key)).toEqual(['new/0', 'new/1']);
    expect(after.tasks.sort()).toEqual(['asked in the window', 'cites the window']);
  });
});

describe('retention', () => {
  it('deletes what is older than the age limit, leaves the rest, and marks the adapters that learned from it stale', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    // The cut retention makes (settings take whole days; the next test goes through them).
    const summary = await page.evaluate((cutoff) => window.privacy.forgetBefore(cutoff), now - 15 * MIN);
    expect(summary.memories).toBe(2); // old/0 (30 min) and old/1 (20 min)
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.memories.map((m) => m.key)).toEqual(['new/0', 'new/1', 'old/2']);
    expect(after.tasks.sort()).toEqual(['asked in the window', 'cites the window']);
    expect(after.adapters.filter((a) => a.stale).map((a) => a.v)).toEqual([1, 2, 3]);
  });

  it('applies maxAgeDays through the enforcer, and keep forever turns it off', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    const later = now + 24 * 60 * MIN - 15 * MIN; // one day later, less 15 minutes: old/0 and old/1 are over a day old
    const forever = await page.evaluate((t) => window.privacy.enforce({ maxAgeDays: 1, maxMegabytes: 1, keepForever: true }, t), later);
    expect(forever).toEqual({ age: null, cap: null, overCapBy: 0 });
    expect((await page.evaluate(() => window.privacy.snapshot())).memories).toHaveLength(5);
    const outcome = await page.evaluate((t) => window.privacy.enforce({ maxAgeDays: 1, maxMegabytes: null, keepForever: false }, t), later);
    expect(outcome.age?.memories).toBe(2);
    expect((await page.evaluate(() => window.privacy.snapshot())).memories.map((m) => m.key)).toEqual(['new/0', 'new/1', 'old/2']);
  });

  it('keeps IndexedDB under a storage cap read from navigator.storage.estimate(), oldest first, and does not delete more while the estimate lags', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedLarge(n, 10, 300_000), now);
    const est = await page.evaluate(() => window.privacy.estimate());
    expect(est).not.toBeNull();
    const used = est!.indexedDB ?? est!.usage;
    expect(used).toBeGreaterThan(3_000_000);
    // A cap about 1 MB under what is used: the three or four oldest memories (300 kB each) go.
    const capMb = (used - 1_000_000) / 1e6;
    const outcome = await page.evaluate(([mb, t]) => window.privacy.enforce({ maxAgeDays: null, maxMegabytes: mb, keepForever: false }, t), [capMb, now] as const);
    const deleted = outcome.cap!.memoryKeys.map(([, c]) => c);
    expect(deleted.length).toBeGreaterThanOrEqual(3);
    expect(deleted.length).toBeLessThanOrEqual(5);
    expect(deleted).toEqual(deleted.map((_, i) => i)); // the oldest, in order
    const left = (await page.evaluate(() => window.privacy.snapshot())).memories.map((m) => m.key);
    expect(left).toEqual(Array.from({ length: 10 - deleted.length }, (_, i) => `big/${i + deleted.length}`));
    // Right after, whether or not the browser's estimate has caught up, nothing more is deleted.
    const again = await page.evaluate(([mb, t]) => window.privacy.enforce({ maxAgeDays: null, maxMegabytes: mb, keepForever: false }, t), [capMb, now] as const);
    expect(again.cap).toBeNull();
    expect((await page.evaluate(() => window.privacy.snapshot())).memories).toHaveLength(10 - deleted.length);
  });
});

describe('usage', () => {
  it('counts every store and sizes memories at least by their thumbnails', async () => {
    const now = Date.now();
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    const u = await page.evaluate(() => window.privacy.usage());
    expect(u.counts).toEqual({ streams: 2, memories: 5, tasks: 3, adapters: 4, settings: 0 });
    expect(u.approxBytes.memories).toBeGreaterThan(5000);
    expect(u.approxBytes.memories).toBeLessThan(7000);
    expect(u.approxBytes.adapters).toBeGreaterThan(0);
  });
});

describe('forgetting and retention with encryption at rest on', () => {
  const PASS = 'forget me sealed 42';
  /** Private text written by seedTimeline and below: none of it may be readable in raw IndexedDB. */
  const PRIVATE = ['memory old 0', 'memory old 2', 'memory new 1', 'old question', 'cites the window', 'asked in the window', 'ZEBRA-CROSS', 'ZEBRA-RECENT'];

  /** Seeds the timeline plain, switches the lock on (sealing it all), then writes two tasks sealed from the start. */
  async function seedSealed(now: number) {
    await page.evaluate((n) => window.privacy.seedTimeline(n), now);
    const plain = await page.evaluate(() => window.privacy.rawState());
    for (const s of PRIVATE.slice(0, 6)) expect(plain.dump).toContain(s); // the checks of sealed dumps can fail
    expect(plain.unsealed.length).toBe(plain.records);
    await page.evaluate((p) => window.privacy.encrypt(p), PASS);
    // Asked about 'new' but citing old/2: only its sealed citations tie it to the old stream.
    await page.evaluate((at) => window.privacy.addTask(at, 'ZEBRA-CROSS compare with before', 'new', [{ streamId: 'old', clipIndex: 2 }]), now - 12 * MIN);
    // Asked in the last minute, citing old/1: retention finds it only through its sealed citations.
    await page.evaluate((at) => window.privacy.addTask(at, 'ZEBRA-RECENT what happened first', null, [{ streamId: 'old', clipIndex: 1 }]), now - 0.2 * MIN);
    await expectAllSealed();
  }

  async function expectAllSealed() {
    const raw = await page.evaluate(() => window.privacy.rawState());
    expect(raw.records).toBeGreaterThan(0);
    expect(raw.unsealed).toEqual([]);
    for (const s of PRIVATE) expect(raw.dump).not.toContain(s);
  }

  it('forgets the last N minutes: tasks citing forgotten memories go (their citations are sealed), others stay, adapters turn stale, the rest stays sealed', async () => {
    const now = Date.now();
    await seedSealed(now);
    const summary = await page.evaluate((since) => window.privacy.forgetSince(since, []), now - 5 * MIN);
    // new/0 and new/1; 'cites the window' (asked 15 min ago, found only by its sealed citation of
    // new/0), 'asked in the window' and ZEBRA-RECENT (asked in the window); the emptied stream 'new'.
    expect(summary).toMatchObject({ memories: 2, tasks: 3, streams: 1 });
    expect(summary.memoryKeys).toEqual([['new', 0], ['new', 1]]);
    expect(summary.staleVersions.map((v) => v.version)).toEqual([2, 3]);
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.streams).toEqual(['old']);
    expect(after.memories.map((m) => [m.key, m.text, m.thumbBytes])).toEqual([['old/0', 'memory old 0', 1000], ['old/1', 'memory old 1', 1000], ['old/2', 'memory old 2', 1000]]);
    expect(after.tasks.sort()).toEqual(['ZEBRA-CROSS compare with before', 'old question']);
    const stale = Object.fromEntries(after.adapters.map((a) => [a.v, a.stale]));
    expect(stale[1]).toBeNull();
    expect(stale[2]).toMatchObject({ reason: 'forgotten', memoryKeys: [['new', 1]] });
    expect(stale[3]).toMatchObject({ fromVersion: 2 });
    expect(stale[4]).toBeNull();
    expect(after.adapters.map((a) => a.vector)).toEqual([[1], [2], [3], [4]]); // stale marks leave the sealed vectors whole
    await expectAllSealed();
  });

  it('deletes a stream: tasks about it and tasks that only cite it go, the rest stays sealed', async () => {
    const now = Date.now();
    await seedSealed(now);
    const summary = await page.evaluate(() => window.privacy.deleteStream('old'));
    // 'old question' (about 'old'), ZEBRA-CROSS (about 'new', citing old/2) and ZEBRA-RECENT (citing old/1).
    expect(summary).toMatchObject({ memories: 3, tasks: 3, streams: 1 });
    expect(summary.staleVersions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.streams).toEqual(['new']);
    expect(after.memories.map((m) => m.text)).toEqual(['memory new 0', 'memory new 1']);
    expect(after.tasks.sort()).toEqual(['asked in the window', 'cites the window']);
    await expectAllSealed();
  });

  it('applies retention through the enforcer: old memories and the tasks citing them go, adapters turn stale, the rest stays sealed', async () => {
    const now = Date.now();
    await seedSealed(now);
    const later = now + 24 * 60 * MIN - 15 * MIN; // old/0 and old/1 are then over a day old
    const outcome = await page.evaluate((t) => window.privacy.enforce({ maxAgeDays: 1, maxMegabytes: null, keepForever: false }, t), later);
    // 'old question' (asked 25 min before now) and ZEBRA-RECENT (asked just now, citing old/1).
    expect(outcome.age).toMatchObject({ memories: 2, tasks: 2, streams: 0 });
    expect(outcome.age!.staleVersions.map((v) => v.version)).toEqual([1, 2, 3]);
    const after = await page.evaluate(() => window.privacy.snapshot());
    expect(after.memories.map((m) => m.key)).toEqual(['new/0', 'new/1', 'old/2']);
    expect(after.tasks.sort()).toEqual(['ZEBRA-CROSS compare with before', 'asked in the window', 'cites the window']);
    expect(Object.fromEntries(after.adapters.map((a) => [a.v, a.stale?.reason ?? null]))).toEqual({
      1: 'older than 1 day (retention)', 2: 'trained starting from v1, which is stale', 3: 'older than 1 day (retention)', 4: null,
    });
    await expectAllSealed();
  });

  it('refuses to forget while locked and deletes nothing, with or without questions stored', async () => {
    const now = Date.now();
    await seedSealed(now);
    const before = await page.evaluate(() => window.privacy.rawState());
    const error = await page.evaluate((since) => window.privacy.forgetSinceLocked(since), now - 5 * MIN);
    expect(error).toBe('LockedError');
    expect((await page.evaluate(() => window.privacy.rawState())).dump).toBe(before.dump);

    // Also with no question stored yet: what forgetting deletes must not depend on that.
    await page.evaluate(() => window.privacy.reset());
    await page.evaluate((n) => window.privacy.seedLarge(n, 3, 100), now);
    await page.evaluate((p) => window.privacy.encrypt(p), PASS);
    const memoriesOnly = await page.evaluate(() => window.privacy.rawState());
    expect(memoriesOnly.records).toBe(4); // the stream and three memories
    expect(await page.evaluate((since) => window.privacy.forgetSinceLocked(since), now - 5 * MIN)).toBe('LockedError');
    expect((await page.evaluate(() => window.privacy.rawState())).dump).toBe(memoriesOnly.dump);
  });
});

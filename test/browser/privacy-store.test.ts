/**
 * Forgetting, retention and usage on Chromium's real IndexedDB and storage estimate: what goes,
 * what stays, which adapter versions become stale (their own data and their lineage), and a storage
 * cap that deletes the oldest first without deleting more while the estimate lags.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer } from './chromium';

let server: ViteDevServer;
let page: Page;
let close: () => Promise<void>;
const MIN = 60_000;

beforeAll(async () => {
  const dev = await startDevServer();
  server = dev.server;
  const chromium = await launchChromium();
  close = chromium.close;
  page = await chromium.context.newPage();
  await page.goto(`${dev.url}/test/browser/harness/privacy.html`);
  await page.waitForFunction(() => document.title === 'privacy ready');
});

beforeEach(async () => {
  await page.evaluate(() => window.privacy.reset());
});

afterAll(async () => {
  await close?.();
  await server?.close();
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

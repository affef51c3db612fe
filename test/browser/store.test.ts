/** The IndexedDB store in real Chromium: persistence across reload, deletion, export/import. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openHarness } from './chromium';

let page: Page;
let open: () => Promise<void>;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, open, close } = await openHarness('store'));
  await page.evaluate(() => window.store.reset());
});

afterAll(async () => {
  await close?.();
});

describe('IndexedDB store', () => {
  it('keeps everything across a reload', async () => {
    await page.evaluate(() => window.store.seed());
    const before = await page.evaluate(() => window.store.snapshot());
    expect(before.memories).toHaveLength(4);
    await page.reload();
    await page.waitForFunction(() => document.title === 'store ready');
    expect(await page.evaluate(() => window.store.snapshot())).toEqual(before);
  });

  it('round-trips export and import, thumbnails and vectors included', async () => {
    const before = await page.evaluate(() => window.store.snapshot());
    const text = await page.evaluate(() => window.store.exportText());
    await page.evaluate(() => window.store.deleteEverything());
    expect((await page.evaluate(() => window.store.snapshot())).memories).toEqual([]);
    const result = await page.evaluate((t) => window.store.importText(t), text);
    expect(result).toMatchObject({ ok: true, summary: { streams: 2, memories: 4, tasks: 2, adapters: 1 } });
    expect(await page.evaluate(() => window.store.snapshot())).toEqual(before);
  });

  it('refuses malformed, foreign and too-new files with a clear message and changes nothing', async () => {
    const before = await page.evaluate(() => window.store.snapshot());
    const good = JSON.parse(await page.evaluate(() => window.store.exportText()));
    const cases: [string, RegExp][] = [
      ['{"format": "taskmem-exp', /not JSON/],
      [JSON.stringify({ hello: 'world' }), /not a TaskMem export/],
      [JSON.stringify({ ...good, version: 99 }), /newer TaskMem/],
      [JSON.stringify({ ...good, memories: [...good.memories, { ...good.memories[0], clipIndex: -1 }] }), /memories\[4\] has no valid stream\/clip key/],
      [JSON.stringify({ ...good, memories: [{ ...good.memories[0], streamId: 'ghost' }] }), /names a stream that is not in the file/],
      [JSON.stringify({ ...good, adapters: [{ ...good.adapters[0], vector: ['x'] }] }), /adapters\[0\]\.vector/],
    ];
    for (const [text, message] of cases) {
      const r = await page.evaluate((t) => window.store.importText(t), text);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(message);
      expect(r.error).toMatch(/Nothing was imported/);
    }
    expect(await page.evaluate(() => window.store.snapshot())).toEqual(before);
  });

  it('deletes one stream with its memories and tasks, then everything', async () => {
    await page.evaluate(() => window.store.deleteStream('s1'));
    const after = await page.evaluate(() => window.store.snapshot());
    expect(after.streams).toEqual(['s2']);
    expect(after.memories.map((m) => m.key)).toEqual(['s2/0']);
    expect(after.tasks).toEqual(['q2?=unknown']);
    await page.evaluate(() => window.store.deleteEverything());
    const empty = await page.evaluate(() => window.store.snapshot());
    expect(empty).toEqual({ streams: [], memories: [], tasks: [], adapters: [], settings: [] });
  });

  it('stores a late memory only while its stream exists and it is still wanted, whichever write runs first', async () => {
    const fresh = async () => {
      await page.evaluate(() => window.store.deleteEverything());
      await page.evaluate(() => window.store.seed());
    };
    await fresh();
    expect(await page.evaluate(() => window.store.writeLiveMemory('s1'))).toMatchObject({ stored: true, memories: ['s1/0', 's1/1', 's1/2', 's1/99', 's2/0'] });
    await fresh();
    expect(await page.evaluate(() => window.store.writeLiveMemory('s1', { wanted: false }))).toMatchObject({ stored: false, memories: ['s1/0', 's1/1', 's1/2', 's2/0'] });
    // Deleted before the model's memory came back: with a plain put it would be left without a stream.
    await fresh();
    expect(await page.evaluate(() => window.store.writeLiveMemory('s1', { deletion: 'before' }))).toEqual({ stored: false, streams: ['s2'], memories: ['s2/0'] });
    for (const deletion of ['racing-after', 'racing-before'] as const) {
      await fresh();
      const r = await page.evaluate((d) => window.store.writeLiveMemory('s1', { deletion: d }), deletion);
      expect(r, deletion).toMatchObject({ streams: ['s2'], memories: ['s2/0'] });
    }
  });
});

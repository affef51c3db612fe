/**
 * Imports in real Chromium against a deterministic fuzzed corpus made from a real export: each input
 * is refused with a clear message and leaves IndexedDB byte-for-byte as it was, or is accepted and
 * leaves a store that still exports to a valid file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openHarness } from './chromium';
import { importCorpus, isClearMessage, type FuzzCase } from '../fuzz/import-corpus';

let page: Page;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, close } = await openHarness('store'));
}, 120_000);

afterAll(async () => {
  await close?.();
});

const fresh = async () => {
  await page.evaluate(() => window.store.reset());
  await page.evaluate(() => window.store.seed());
  return page.evaluate(() => window.store.dump());
};

describe('import against a fuzzed corpus in Chromium', () => {
  it('refuses cleanly with the store unchanged, or accepts into a store that stays valid', async () => {
    const initial = await fresh();
    const corpus: FuzzCase[] = importCorpus(await page.evaluate(() => window.store.exportText()));
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const counts = { accepted: 0, refused: 0 };
    for (const c of corpus) {
      const r = await page.evaluate((t) => window.store.importText(t), c.text);
      if (c.expect) expect(r.ok, c.name).toBe(c.expect.ok);
      if (!r.ok) {
        counts.refused++;
        expect(isClearMessage(r.error!), `${c.name}: ${r.error}`).toBe(true);
        if (c.expect && !c.expect.ok) expect(r.error, c.name).toMatch(c.expect.message);
        expect(await page.evaluate(() => window.store.dump()), c.name).toBe(initial);
      } else {
        counts.accepted++;
        expect(await page.evaluate(() => window.store.exportValidates()), c.name).toEqual({ ok: true });
        expect(await fresh()).toBe(initial);
      }
    }
    console.log(`import fuzz (Chromium): ${corpus.length} inputs, ${counts.accepted} accepted, ${counts.refused} refused`);
    expect(counts.refused + counts.accepted).toBe(corpus.length);
  }, 300_000);
});

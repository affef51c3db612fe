/**
 * Bad input that is not a file: settings values in IndexedDB that are garbage fall back to the
 * defaults with a message, and chat input of any size or content is refused with a message (or
 * taken as text); neither changes anything stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, startDevServer } from './chromium';

let url: string;
let stop: () => Promise<void>;
let context: BrowserContext;
let store: Page;

beforeAll(async () => {
  const dev = await startDevServer();
  url = dev.url;
  const chromium = await launchChromium();
  context = chromium.context;
  stop = async () => {
    await chromium.close();
    await dev.server.close();
  };
  store = await context.newPage();
  await store.goto(`${url}/test/browser/harness/store.html`);
  await store.waitForFunction(() => document.title === 'store ready');
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe('settings read from IndexedDB', () => {
  it('falls back to the defaults with a message naming each bad value, and writes nothing', async () => {
    await store.evaluate(() => window.store.reset());
    const keys = await store.evaluate(() => window.store.adapterSettingKeys());
    const garbage: unknown[] = ['yes', null, -3, 1.5, 1e308, [], { a: 1 }, 'x'.repeat(10_000)];
    for (const bad of garbage) {
      const r = await store.evaluate(
        ([k, v]) => window.store.loadAdapterSettings({ [k.auto]: v, [k.autoEvery]: v, [k.recentClips]: v, [k.training]: typeof v === 'object' && v && !Array.isArray(v) ? { steps: 'many' } : v, [k.resetAfter]: v }),
        [keys, bad] as const,
      );
      expect(r, JSON.stringify(bad)).toMatchObject({ auto: true, autoEvery: 5, recentClips: 8, unchanged: true });
      for (const k of [keys.auto, keys.autoEvery, keys.recentClips, keys.training, keys.resetAfter]) expect(r.error, `${k} ${JSON.stringify(bad)}`).toContain(`"${k}"`);
      expect(r.error).toMatch(/using the default/);
      expect(r.error!.length).toBeLessThan(1500);
    }
    const good = await store.evaluate((k) => window.store.loadAdapterSettings({ [k.auto]: false, [k.autoEvery]: 3, [k.recentClips]: 4, [k.training]: { steps: 10 }, [k.resetAfter]: 0 }), keys);
    expect(good).toMatchObject({ auto: false, autoEvery: 3, recentClips: 4, error: null, unchanged: true });
  });
});

describe('chat input', () => {
  it('refuses empty, invisible and oversized questions with a message, keeps the text to edit, and stores nothing', async () => {
    await store.evaluate(() => window.store.reset());
    await store.evaluate(() => window.store.seed());
    const before = await store.evaluate(() => window.store.dump());
    const app = await context.newPage();
    await app.goto(`${url}/`);
    // The app's default database is the one the harness seeded; no model is loaded for a refused question.
    const input = app.locator('taskmem-agent tm-chat input');
    const alert = app.locator('taskmem-agent [part="error"]');
    const cases: [string, RegExp][] = [
      ['', /Type a question first/],
      ['   \t ', /Type a question first/],
      ['\u0000\u0001\u202E\u2066', /no words in it/],
      ['q'.repeat(1024 * 1024), /too long \(1,048,576 characters; 2000 at most\)/],
      [`${'é'.repeat(1500)} ${'x'.repeat(600)}`, /too long \(2,101 characters/],
    ];
    for (const [text, message] of cases) {
      await input.fill(text);
      await app.locator('taskmem-agent tm-chat button[type="submit"]').click();
      await expect.poll(() => alert.textContent()).toMatch(message);
      expect(await input.inputValue()).toBe(text);
    }
    expect(await app.locator('taskmem-agent tm-chat li').count()).toBe(0);
    await app.close();
    expect(await store.evaluate(() => window.store.dump())).toBe(before);
  });

  it('takes markup, right-to-left text and emoji as plain text, and asks it', async () => {
    await store.evaluate(() => window.store.reset());
    await store.evaluate(() => window.store.seed());
    const app = await context.newPage();
    await app.goto(`${url}/`);
    await app.locator('taskmem-agent').evaluate((el) => el.setAttribute('device', 'wasm'));
    const question = '<img src=x onerror="window.__pwned=1"> ما لون KIWI؟ 🦊\u202E';
    await app.locator('taskmem-agent tm-chat input').fill(question);
    await app.locator('taskmem-agent tm-chat button[type="submit"]').click();
    const reply = app.locator('taskmem-agent tm-chat li.agent').last();
    await expect.poll(() => reply.getAttribute('class'), { timeout: 120_000 }).not.toContain('pending');
    expect(await app.locator('taskmem-agent tm-chat li.user').textContent()).toContain('<img src=x onerror="window.__pwned=1"> ما لون KIWI؟ 🦊');
    expect(await app.locator('taskmem-agent tm-chat li.user').textContent()).not.toContain('\u202E');
    expect(await app.locator('taskmem-agent tm-chat img').count()).toBe(0);
    expect(await app.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await app.close();
  });
});

describe('import size', () => {
  it('refuses a file over the limit by its size, with the limit in the message, and stores nothing', async () => {
    await store.evaluate(() => window.store.reset());
    await store.evaluate(() => window.store.seed());
    const before = await store.evaluate(() => window.store.dump());
    const app = await context.newPage();
    await app.goto(`${url}/`);
    const message = await app.locator('taskmem-agent').evaluate(async (el) => {
      const c = (el as unknown as { controller: { importData(b: Blob): Promise<string> } }).controller;
      return c.importData(new Blob([new Uint8Array(256 * 2 ** 20 + 1)])).then(() => 'accepted', (e: Error) => e.message);
    });
    expect(message).toMatch(/too large to import \(256 MiB; the limit is 256 MiB\)\. Nothing was imported\./);
    await expect.poll(() => app.locator('taskmem-agent [part="error"]').textContent()).toMatch(/too large to import/);
    await app.close();
    expect(await store.evaluate(() => window.store.dump())).toBe(before);
  });
});

/**
 * Memory text and answers are untrusted (model output, text read off a captured screen): they must
 * render as text. Memories with markup and script are stored, then shown by the real app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer } from './chromium';

let server: ViteDevServer;
let url: string;
beforeAll(async () => ({ server, url } = await startDevServer()));
afterAll(async () => server?.close());

const HOSTILE = [
  '<img src=x onerror="window.__pwned=1"> appears at top left.',
  '<script>window.__pwned=2</script> moves to center.',
  'A <b>bold</b> claim; <a href="javascript:window.__pwned=3">click</a> leaves.',
];

describe('untrusted text', () => {
  it('renders hostile memory text as text in the timeline: no elements, no script', async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/`);
      // A string, not a function: vitest would rewrite a dynamic import() inside a function body.
      await page.evaluate(`(async () => {
        const texts = ${JSON.stringify(HOSTILE)};
        const { openTaskMemDb } = await import('/src/store/db.ts');
        const repo = await import('/src/store/repository.ts');
        const db = await openTaskMemDb();
        await repo.putStream(db, { id: 'hostile', title: 'Hostile', source: 'screen', createdAt: Date.now(), modelId: 'taskmem/qwen3-vl-fixture', clipSeconds: 10 });
        for (const [i, text] of texts.entries())
          await repo.putMemory(db, { streamId: 'hostile', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text, modelId: 'm', adapterVersion: 0, createdAt: Date.now() });
        db.close();
      })()`);
      await page.reload();
      const items = page.locator('taskmem-agent tm-timeline li[data-key] .text');
      await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(HOSTILE.length);
      expect(await items.allTextContents()).toEqual(HOSTILE);
      const injected = await page.locator('taskmem-agent tm-timeline').evaluate((el) =>
        el.shadowRoot!.querySelectorAll('.text img, .text script, .text b, .text a').length,
      );
      expect(injected).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    } finally {
      await close();
    }
  });
});

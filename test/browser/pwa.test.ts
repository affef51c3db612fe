/**
 * The installable, offline app: the production build served as `npm start` serves it meets
 * Chromium's installability criteria, and after one visit it runs the demo stream and answers a
 * question with the network cut.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPreviewServer } from './chromium';

let server: { close: () => Promise<void>; url: string };
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'taskmem-pwa-'));
  server = await startPreviewServer(outDir);
});

afterAll(async () => {
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('PWA', () => {
  it('is installable, and after one visit runs the demo stream and answers with no network', async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      // The service worker installs (precaching shell, wasm and the fixture) and takes control.
      await page.evaluate(`navigator.serviceWorker.ready.then(() => true)`);
      await page.reload();
      await expect.poll(() => page.evaluate(`!!navigator.serviceWorker.controller`), { timeout: 60_000 }).toBe(true);
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
      expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
      const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; data?: string };
      expect(manifest.errors).toEqual([]);
      expect(JSON.parse(manifest.data!)).toMatchObject({ name: 'TaskMem Web', display: 'standalone' });

      await context.setOffline(true);
      await page.reload();
      await expect(page.evaluate(`fetch('https://huggingface.co/').then(() => 'online', () => 'offline')`)).resolves.toBe('offline');
      await page.locator('taskmem-agent').evaluate((el) => {
        el.setAttribute('device', 'wasm');
        el.setAttribute('db-name', 'pwa-offline');
      });
      await page.getByRole('button', { name: 'Demo stream' }).click();
      // A function, not a string: the page's CSP forbids the eval Playwright uses for string predicates.
      await page.waitForFunction(
        () => ((document.querySelector('taskmem-agent') as unknown as { controller?: { state: { memories: unknown[] } } } | null)?.controller?.state.memories.length ?? 0) >= 1,
        undefined,
        { timeout: 120_000, polling: 500 },
      );
      await page.getByRole('textbox', { name: 'Ask about the stream' }).fill('What appeared first?');
      await page.getByRole('button', { name: 'Ask' }).click();
      const reply = page.locator('taskmem-agent tm-chat li.agent').last();
      await expect.poll(() => reply.evaluate((li) => li.classList.contains('pending')), { timeout: 60_000 }).toBe(false);
      expect(await reply.textContent()).not.toMatch(/Could not answer/);
    } finally {
      await close();
    }
  });
});

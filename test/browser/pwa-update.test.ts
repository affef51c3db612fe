/**
 * The update flow of the installed app: a new build deployed into the same folder is found by
 * `registration.update()`, announced in the #update-banner, and applied when the user clicks its
 * button: the page reloads on the new version (its build id in the footer).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startPreviewServer } from './chromium';
import { buildAgent } from '../../scripts/lib/build';

let server: { close: () => Promise<void>; url: string };
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'taskmem-update-'));
  server = await startPreviewServer(outDir, { buildId: 'update-test-1' });
});

afterAll(async () => {
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

describe('PWA update', () => {
  it('announces a new version and reloads onto it when the user accepts', async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await expect.poll(() => page.locator('#build-id').textContent()).toBe('update-test-1');
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      await page.reload();
      await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 60_000 }).toBe(true);
      expect(await page.locator('#update-banner').isVisible()).toBe(false);

      // A new deployment, while the page is open.
      await buildAgent({ outDir, buildId: 'update-test-2', logLevel: 'error' });
      await page.evaluate(async () => {
        await (await navigator.serviceWorker.getRegistration())!.update();
      });
      await expect.poll(() => page.locator('#update-banner').isVisible(), { timeout: 60_000 }).toBe(true);
      // Still the old version until the user says so.
      expect(await page.locator('#build-id').textContent()).toBe('update-test-1');

      const reloaded = page.waitForEvent('load', { timeout: 60_000 });
      await page.locator('#update-banner').getByRole('button', { name: 'Reload to update' }).click();
      await reloaded;
      await expect.poll(() => page.locator('#build-id').textContent(), { timeout: 30_000 }).toBe('update-test-2');
      expect(await page.locator('#update-banner').isVisible()).toBe(false);
    } finally {
      await close();
    }
  });
});

/** The browser tests launch Chromium the same way the browser benchmarks do. */
import type { Page } from 'playwright-core';
import { launchChromium, startDevServer } from '../../scripts/lib/chromium';

export { BASE_FLAGS, WEBGPU_FLAGS, STORAGE_PARTITIONING_FLAGS, chromiumPath, fakeCameraFlags, launchChromium, startDevServer, startPreviewServer } from '../../scripts/lib/chromium';

export interface Harness {
  page: Page;
  /** Loads the harness page again and waits until it is ready. */
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A harness page (test/browser/harness/NAME.html) on its own dev server and browser, loaded and
 * ready: each harness sets its title to "NAME ready" once its API is on `window`.
 */
export async function openHarness(name: string): Promise<Harness> {
  const dev = await startDevServer();
  const chromium = await launchChromium();
  const page = await chromium.context.newPage();
  const open = async () => {
    await page.goto(`${dev.url}/test/browser/harness/${name}.html`);
    await page.waitForFunction((title) => document.title === title, `${name} ready`);
  };
  await open();
  return {
    page,
    open,
    close: async () => {
      await chromium.close();
      await dev.server.close();
    },
  };
}

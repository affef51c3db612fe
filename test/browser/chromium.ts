/** The browser tests launch Chromium the same way the browser benchmarks do. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { launchChromium, startDevServer } from '../../scripts/lib/chromium';
import { writeWorldStream } from '../../scripts/lib/world-files';

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

/**
 * A dev server for the whole test file, started before its tests and closed after them; `url` is
 * set once it listens. Call at the top level of a test file.
 */
export function devServerForFile(): { readonly url: string } {
  let server: { close(): Promise<void> } | undefined;
  const dev = { url: '' };
  beforeAll(async () => {
    const started = await startDevServer();
    server = started.server;
    dev.url = started.url;
  });
  afterAll(async () => {
    await server?.close();
  });
  return dev;
}

export interface CameraStream {
  /** The dev server's address. */
  readonly url: string;
  /** The world stream's folder (manifest.json, events.json, stream.y4m). */
  readonly dir: string;
  readonly manifestPath: string;
  /** The video the fake webcam plays (fakeCameraFlags). */
  readonly y4m: string;
}

/**
 * For the app-page tests: a dev server and a world stream file for the fake webcam, made before
 * the file's tests and removed after them. Call at the top level of a test file.
 */
export function appWithWorldStream(opts: { seed: number; minutes: number; prefix: string }): CameraStream {
  let server: { close(): Promise<void> } | undefined;
  const s = { url: '', dir: '', manifestPath: '', y4m: '' };
  beforeAll(async () => {
    const dev = await startDevServer();
    server = dev.server;
    s.url = dev.url;
    s.dir = mkdtempSync(join(tmpdir(), `taskmem-${opts.prefix}-`));
    ({ manifestPath: s.manifestPath } = await writeWorldStream({ seed: opts.seed, outDir: s.dir, minutes: opts.minutes, fps: 5 }));
    s.y4m = join(s.dir, 'stream.y4m');
  });
  afterAll(async () => {
    await server?.close();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });
  return s;
}

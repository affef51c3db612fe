/**
 * Launches Debian's Chromium through playwright-core (never a downloaded browser) with the flags
 * this sandbox needs, and a Vite dev server for the pages under test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { buildAgent, type BuildMode } from './build';

export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      /* try the next name */
    }
  }
  throw new Error("Chromium not found on PATH: install Debian's 'chromium' package (.ci/run does)");
}

export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Chromium's fake camera playing a y4m file, permission granted without a prompt. */
export function fakeCameraFlags(y4mFile: string): string[] {
  return ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4mFile}`];
}

/** WebGPU in headless Chromium without a GPU: Dawn's SwiftShader (CPU Vulkan) adapter. */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader', '--enable-features=Vulkan'];

/**
 * Real Chrome partitions third-party storage (since 115): a frame embedded by another site gets an
 * IndexedDB of its own, keyed by the top-level site, even with third-party cookies blocked (as
 * they are in this Chromium). Playwright turns partitioning off in its --disable-features list;
 * these flags repeat that list without it (Chromium keeps the last copy of a switch), for tests of
 * cross-site embedding.
 */
export const STORAGE_PARTITIONING_FLAGS = [
  '--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch',
  '--enable-features=ThirdPartyStoragePartitioning,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
];

export async function launchChromium(opts: { webgpu?: boolean; extraArgs?: string[] } = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'taskmem-chromium-'));
  const args = [...BASE_FLAGS, ...(opts.webgpu ? WEBGPU_FLAGS : ['--disable-gpu']), ...(opts.extraArgs ?? [])];
  // A persistent context is how Playwright takes a fresh --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath(), headless: true, args });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function startDevServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await server.listen();
  const address = server.httpServer!.address();
  if (!address || typeof address === 'string') throw new Error('dev server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * Builds the app (pages, service worker and widget module, as `npm run build` does) into outDir
 * and serves it with `vite preview`, as `npm start` does: what an installed or offline user gets.
 * `mode: 'widget'` builds and serves what `npm run build:widget` makes; `build: false` serves
 * outDir as it is (a test may rebuild into it while it is served).
 */
export async function startPreviewServer(
  outDir: string,
  opts: { mode?: BuildMode; buildId?: string; build?: boolean } = {},
): Promise<{ close: () => Promise<void>; url: string }> {
  const { preview } = await import('vite');
  if (opts.build !== false) await buildAgent({ outDir, mode: opts.mode, buildId: opts.buildId, logLevel: 'error' });
  const server = await preview({
    configFile: 'vite.config.ts',
    mode: opts.mode === 'widget' ? 'widget' : 'production',
    preview: { port: 0, host: '127.0.0.1' },
    build: { outDir },
    logLevel: 'error',
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview server has no port');
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

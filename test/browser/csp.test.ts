/**
 * The strict Content-Security-Policy (scripts/lib/security-headers.ts): the production build and
 * the dev server send it with every response; the app runs under it (demo stream -> a memory, on
 * WASM) with no violation; and a page load fetches nothing heavy (ONNX Runtime, the inference
 * worker, wasm, model files) before the user starts a stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer, startPreviewServer } from './chromium';
import { contentSecurityPolicy, embedAncestors } from '../../scripts/lib/security-headers';

/** What only a stream or a question should load. */
const HEAVY = /\/ort\/|\.wasm(\?|$)|\/models\/|\.onnx(\?|$)|inference\.worker|onnxruntime|transformers/;

let preview: { close: () => Promise<void>; url: string };
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'taskmem-csp-'));
  preview = await startPreviewServer(outDir);
});

afterAll(async () => {
  await preview?.close();
  rmSync(outDir, { recursive: true, force: true });
});

async function recordViolations(context: BrowserContext, page: Page): Promise<() => Promise<string[]>> {
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
  });
  // Workers report violations to the console only.
  const logged: string[] = [];
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && logged.push(m.text()));
  return async () => [...logged, ...(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations))];
}

async function expectPolicies(base: string) {
  const app = await fetch(`${base}/`);
  expect(app.headers.get('content-security-policy')).toBe(contentSecurityPolicy(["'none'"]));
  expect(app.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  expect(app.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  const embed = await fetch(`${base}/embed.html`);
  expect(embed.status).toBe(200);
  expect(embed.headers.get('content-security-policy')).toBe(contentSecurityPolicy(embedAncestors()));
  expect(embed.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  const widget = await fetch(`${base}/taskmem-agent.js`);
  expect(widget.status).toBe(200);
  expect(widget.headers.get('content-type')).toMatch(/javascript/);
  expect(widget.headers.get('access-control-allow-origin')).toBe('*');
  expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  const ort = await fetch(`${base}/ort/ort-wasm-simd-threaded.asyncify.mjs`, { method: 'HEAD' });
  expect(ort.headers.get('content-security-policy')).toBe(contentSecurityPolicy(["'none'"]));
}

describe('strict CSP', () => {
  it('is sent with pages, the widget module and assets by the production server', async () => {
    await expectPolicies(preview.url);
  });

  it('runs the app with no violation, and loads nothing heavy before a stream starts', async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      const violations = await recordViolations(context, page);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // The page's own requests: the service worker's background precache is not the page load.
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${preview.url}/`, { waitUntil: 'networkidle' });
      await page.waitForTimeout(1000);
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.filter((u) => HEAVY.test(u))).toEqual([]);

      // The embed page (the widget's frame), opened on its own, loads nothing heavy either.
      const embed = await context.newPage();
      const embedRequests: string[] = [];
      embed.on('request', (r) => embedRequests.push(r.url()));
      await embed.goto(`${preview.url}/embed.html`, { waitUntil: 'networkidle' });
      expect(embedRequests.filter((u) => HEAVY.test(u))).toEqual([]);
      await embed.close();

      await page.locator('taskmem-agent').evaluate((el) => {
        el.setAttribute('device', 'wasm');
        el.setAttribute('clip-seconds', '5');
        el.setAttribute('db-name', 'csp-test');
      });
      await page.getByRole('button', { name: 'Demo stream' }).click();
      // A function, not a string: the CSP forbids the eval Playwright uses for string predicates.
      await page.waitForFunction(
        () => ((document.querySelector('taskmem-agent') as unknown as { controller?: { state: { memories: unknown[] } } } | null)?.controller?.state.memories.length ?? 0) >= 1,
        undefined,
        { timeout: 120_000, polling: 500 },
      );
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      // The same recorder sees the model load once the stream has started.
      expect(requests.filter((u) => HEAVY.test(u)).length).toBeGreaterThan(0);
      expect(await violations()).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('runs the model on WebGPU under the same policy', async () => {
    const { context, close } = await launchChromium({ webgpu: true });
    try {
      const page = await context.newPage();
      const violations = await recordViolations(context, page);
      await page.goto(`${preview.url}/`);
      await page.locator('taskmem-agent').evaluate((el) => {
        el.setAttribute('device', 'webgpu');
        el.setAttribute('clip-seconds', '5');
        el.setAttribute('db-name', 'csp-webgpu');
      });
      await page.getByRole('button', { name: 'Demo stream' }).click();
      await page.waitForFunction(
        () => ((document.querySelector('taskmem-agent') as unknown as { controller?: { state: { memories: unknown[] } } } | null)?.controller?.state.memories.length ?? 0) >= 1,
        undefined,
        { timeout: 180_000, polling: 500 },
      );
      const device = await page.locator('taskmem-agent').evaluate((el) => (el as unknown as { controller: { state: { model: { device: string } } } }).controller.state.model.device);
      expect(device).toBe('webgpu');
      expect(await violations()).toEqual([]);
    } finally {
      await close();
    }
  });

  it('is sent by the dev server too, where the app page loads with no violation', async () => {
    let dev: { server: ViteDevServer; url: string } | undefined;
    const { context, close } = await launchChromium();
    try {
      dev = await startDevServer();
      await expectPolicies(dev.url);
      const page = await context.newPage();
      const violations = await recordViolations(context, page);
      await page.goto(`${dev.url}/`, { waitUntil: 'networkidle' });
      await expect.poll(() => page.getByRole('button', { name: 'Demo stream' }).count(), { timeout: 30_000 }).toBe(1);
      expect(await violations()).toEqual([]);
    } finally {
      await close();
      await dev?.server.close();
    }
  });
});

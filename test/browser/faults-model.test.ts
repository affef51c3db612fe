/**
 * Fault injection in real Chromium, worker and model: the inference worker crashing, the WebGPU
 * device being lost mid-stream, and a model file that is corrupt or fails to download. Each must
 * keep every memory already stored intact and readable, tell the user, and go on (a new worker,
 * on WASM after a device loss) or offer to (retry the download). Faults are injected through
 * the controller's development-only hook (injectFault) and Playwright routes.
 */
import { describe, expect, it } from 'vitest';
import { devServerForFile } from './chromium';
import { agent, openApp, shown, state, stored, waitForMemories, withBrowser, type AgentEl } from './fault-page';

const dev = devServerForFile();

describe('faults', () => {
  it('restarts a crashed worker and memorizes on, keeping every stored memory', async () => {
    await withBrowser({}, async (_context, page, errors) => {
      await openApp(page, dev.url, 'fault-crash');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 2);
      const before = await stored(page, 'fault-crash');
      await agent(page).evaluate((el) => (el as AgentEl).controller.injectFault('crash'));
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'model worker crashed' }).count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'restarted after a crash' }).count(), { timeout: 60_000 }).toBe(1);
      const restartedAt = (await state(page)).memories;
      await waitForMemories(page, restartedAt + 2);
      const after = await stored(page, 'fault-crash');
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after.length).toBeGreaterThan(before.length);
      expect((await state(page)).error).toBeNull();
      expect(errors).toEqual([]);
    });
  });

  it('falls back to WASM after the WebGPU device is lost mid-stream, keeping every stored memory', async () => {
    await withBrowser({ webgpu: true }, async (_context, page, errors) => {
      await openApp(page, dev.url, 'fault-gpu', 'webgpu');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 2, 180_000);
      expect((await state(page)).model.device).toBe('webgpu');
      const before = await stored(page, 'fault-gpu');
      await agent(page).evaluate((el) => (el as AgentEl).controller.injectFault('device-lost'));
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'GPU stopped working' }).count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'restarted on the CPU (WASM)' }).count(), { timeout: 60_000 }).toBe(1);
      expect((await state(page)).model.device).toBe('wasm');
      const restartedAt = (await state(page)).memories;
      await waitForMemories(page, restartedAt + 2);
      const after = await stored(page, 'fault-gpu');
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after.length).toBeGreaterThan(before.length);
      expect(errors).toEqual([]);
    });
  });

  it('explains a corrupt or undownloadable model file, keeps stored memories, and loads on retry', async () => {
    await withBrowser({}, async (context, page) => {
      await openApp(page, dev.url, 'fault-model');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 2);
      await agent(page).evaluate((el) => (el as AgentEl).controller.stop());
      // Stopped, and the clips cut before the stop are memorized.
      await expect.poll(async () => { const s = await state(page); return s.queue.waiting + Number(s.memorizing); }, { timeout: 30_000 }).toBe(0);
      const before = await stored(page, 'fault-model');
      // A first visit: nothing cached yet, so the model files come over the network.
      await page.evaluate(() => caches.keys().then((names) => Promise.all(names.map((n) => caches.delete(n)))));
      let corrupt = 0;
      await context.route('**/models/**/*.onnx', async (route) => {
        corrupt++;
        const real = await route.fetch();
        const body = await real.body();
        // Truncated, and what is there scrambled: the runtime cannot parse it.
        await route.fulfill({ response: real, body: Buffer.from(body.subarray(0, body.length >> 1)).reverse() });
      });
      await openApp(page, dev.url, 'fault-model');
      await expect.poll(() => shown(page).then((t) => t.length)).toBe(before.length);
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      const alert = page.getByRole('alert').filter({ hasText: 'The model could not be loaded' });
      await expect.poll(() => alert.count(), { timeout: 60_000 }).toBe(1);
      expect(corrupt).toBeGreaterThan(0);
      // transformers.js caches what it fetched before parsing it: the corrupt files must not stay cached.
      const cached = await page.evaluate(async () => {
        const urls: string[] = [];
        for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
        return urls.filter((u) => u.endsWith('.onnx'));
      });
      expect(cached).toEqual([]);
      expect(await alert.textContent()).toMatch(/Stored memories are unaffected/);
      expect(await stored(page, 'fault-model')).toEqual(before);

      // The download fails outright on the first retry; the second gets the real files.
      await context.unroute('**/models/**/*.onnx');
      let failed = 0;
      await context.route('**/models/**/*.onnx', (route) => (failed++, route.abort('failed')));
      await page.getByRole('button', { name: 'Retry loading the model' }).click();
      await expect.poll(async () => (failed > 0 ? (await state(page)).model.status : 'waiting'), { timeout: 60_000 }).toBe('error');
      await context.unroute('**/models/**/*.onnx');
      await page.getByRole('button', { name: 'Retry loading the model' }).click();
      await expect.poll(async () => { const s = await state(page); return s.model.status === 'error' ? s.error : s.model.status; }, { timeout: 60_000 }).toBe('ready');
      expect((await state(page)).error).toBeNull();
      expect(await page.getByRole('button', { name: 'Retry loading the model' }).count()).toBe(0);
      expect(await stored(page, 'fault-model')).toEqual(before);
    });
  });
});

/**
 * Fault injection in real Chromium, one fault per test: the inference worker crashing, the WebGPU
 * device being lost, the tab reloading in the middle of an IndexedDB write, storage running out of
 * quota, the capture track ending and a model file that is corrupt or fails to download. Each must
 * keep every memory already stored intact and readable, tell the user, and go on or offer to.
 *
 * The demo stream (the world rendered in the page) with 2-second clips keeps these fast; the
 * camera test uses Chromium's fake camera playing a world stream file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { fakeCameraFlags, launchChromium, startDevServer } from './chromium';
import { writeWorldStream } from '../../scripts/lib/world-files';
import type { AgentState } from '../../src/agent/controller';
import type { InjectedFault, WorkerStats } from '../../src/worker/protocol';

type AgentEl = HTMLElement & {
  updateComplete: Promise<boolean>;
  startSource(kind: string): Promise<void>;
  controller: {
    state: AgentState;
    injectFault(f: InjectedFault): Promise<void>;
    workerStats(): Promise<WorkerStats | null>;
    stop(): void;
  };
};

let server: ViteDevServer;
let url: string;
let dir: string;

beforeAll(async () => {
  ({ server, url } = await startDevServer());
  dir = mkdtempSync(join(tmpdir(), 'taskmem-faults-'));
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const agent = (page: Page) => page.locator('taskmem-agent');

async function openApp(page: Page, dbName: string, device: 'wasm' | 'webgpu' = 'wasm') {
  await page.goto(`${url}/`);
  await agent(page).evaluate(async (el, [db, dev]) => {
    el.setAttribute('db-name', db);
    el.setAttribute('device', dev);
    el.setAttribute('clip-seconds', '2');
    await (el as AgentEl).updateComplete;
  }, [dbName, device] as const);
}

const state = (page: Page) => agent(page).evaluate((el) => {
  const s = (el as AgentEl).controller.state;
  return { memories: s.memories.length, model: s.model, error: s.error, notice: s.notice, recovery: s.recovery, capturing: s.capturing, queue: s.queue, memorizing: s.memorizing };
});

async function waitForMemories(page: Page, n: number, timeout = 90_000) {
  await expect.poll(async () => (await state(page)).memories, { timeout, interval: 250 }).toBeGreaterThanOrEqual(n);
}

/** Every stored memory, read straight from IndexedDB (not through the app), as comparable strings. */
function stored(page: Page, dbName: string): Promise<string[]> {
  return page.evaluate(
    (name) =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('memories').objectStore('memories').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => {
            db.close();
            resolve(
              (all.result as { streamId: string; clipIndex: number; t0: number; t1: number; text: unknown; thumbnail?: Blob }[]).map(
                (m) => `${m.streamId}#${m.clipIndex} ${m.t0}-${m.t1} ${JSON.stringify(m.text)} thumbnail:${m.thumbnail?.size ?? 0}`,
              ),
            );
          };
        };
      }),
    dbName,
  );
}

/** The memories the timeline shows (what the user can read). */
const shown = (page: Page) => page.locator('taskmem-agent tm-timeline li[data-key] .text').allTextContents();

async function withBrowser(opts: Parameters<typeof launchChromium>[0], fn: (context: BrowserContext, page: Page, errors: string[]) => Promise<void>) {
  const { context, close } = await launchChromium(opts);
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await fn(context, page, errors);
  } finally {
    await close();
  }
}

describe('faults', () => {
  it('restarts a crashed worker and memorizes on, keeping every stored memory', async () => {
    await withBrowser({}, async (_context, page, errors) => {
      await openApp(page, 'fault-crash');
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
      await openApp(page, 'fault-gpu', 'webgpu');
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

  it('keeps what was stored when the tab reloads in the middle of a write, and says so', async () => {
    await withBrowser({}, async (_context, page) => {
      await openApp(page, 'fault-reload');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 2);
      const before = await stored(page, 'fault-reload');
      // The next memory write starts, its transaction is held open, and the tab reloads under it.
      const interrupted = page.waitForEvent('framenavigated');
      await page.evaluate(() => {
        const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
          const request = put.apply(this, args);
          if (this.name === 'memories') {
            const store = this;
            const spin = () => (store.count().onsuccess = spin);
            spin();
            (window as unknown as { __writing: unknown }).__writing = args[0];
            sessionStorage.setItem('interrupted-write', String((args[0] as { clipIndex: number }).clipIndex));
            location.reload();
          }
          return request;
        };
      });
      await interrupted;
      await openApp(page, 'fault-reload');
      const notice = page.getByRole('status').filter({ hasText: 'reloaded while capturing' });
      await expect.poll(() => notice.count(), { timeout: 20_000 }).toBe(1);
      const interruptedClip = Number(await page.evaluate(() => sessionStorage.getItem('interrupted-write')));
      const after = await stored(page, 'fault-reload');
      // Everything stored before the reload is there; the interrupted write left nothing half-done.
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after.some((m) => m.includes(`#${interruptedClip} `))).toBe(false);
      expect(await notice.textContent()).toMatch(new RegExp(`The ${after.length} memories stored before that are kept`));
      await expect.poll(() => shown(page).then((t) => t.length), { timeout: 10_000 }).toBe(after.length);
    });
  });

  it('stops storing when the quota runs out, keeps the waiting clips, and resumes once space is freed', async () => {
    await withBrowser({}, async (context, page, errors) => {
      await openApp(page, 'fault-quota');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 2);
      const cdp = await context.newCDPSession(page);
      // A real quota: what this origin already uses, so the next write has no room.
      const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: url, quotaSize: usage });
      const full = page.getByRole('alert').filter({ hasText: 'Storage is full' });
      await expect.poll(() => full.count(), { timeout: 30_000 }).toBe(1);
      const before = await stored(page, 'fault-quota');
      // Capture goes on and clips wait for storage instead of being memorized and lost.
      await expect.poll(async () => (await state(page)).queue.waiting, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      const s = await state(page);
      expect(s.capturing).toBe(true);
      expect(s.recovery).toBe('resume-writing');
      expect(await stored(page, 'fault-quota')).toEqual(before);
      // The user frees space, then resumes.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: url });
      await page.getByRole('button', { name: 'Resume storing' }).click();
      await waitForMemories(page, before.length + 3);
      const after = await stored(page, 'fault-quota');
      expect(after).toEqual(expect.arrayContaining(before));
      expect(after.length).toBeGreaterThanOrEqual(before.length + 3);
      expect((await state(page)).error).toBeNull();
      expect(errors).toEqual([]);
    });
  });

  it('says so when the camera track ends, memorizes the last clip and keeps every stored memory', async () => {
    await writeWorldStream({ seed: 7004, outDir: dir, minutes: 1, fps: 5 });
    await withBrowser({ extraArgs: fakeCameraFlags(join(dir, 'stream.y4m')) }, async (_context, page, errors) => {
      await openApp(page, 'fault-track');
      await page.getByRole('button', { name: 'Webcam' }).click();
      await waitForMemories(page, 2);
      const before = await stored(page, 'fault-track');
      await agent(page).evaluate((el) => {
        const track = (el.shadowRoot!.querySelector('video')!.srcObject as MediaStream).getVideoTracks()[0];
        track.stop();
        track.dispatchEvent(new Event('ended')); // what the browser fires when a camera goes away
      });
      const ended = page.getByRole('status').filter({ hasText: 'camera stopped' });
      await expect.poll(() => ended.count(), { timeout: 10_000 }).toBe(1);
      expect(await ended.textContent()).toMatch(/Memories written so far are kept/);
      // The queue drains: every clip cut before the end is memorized or rejected, none waits.
      await expect.poll(async () => (await state(page)).queue.waiting, { timeout: 30_000 }).toBe(0);
      const after = await stored(page, 'fault-track');
      expect(after).toEqual(expect.arrayContaining(before));
      expect(await page.getByRole('button', { name: 'Webcam' }).count()).toBe(1);
      expect(errors).toEqual([]);
    });
  });

  it('explains a corrupt or undownloadable model file, keeps stored memories, and loads on retry', async () => {
    await withBrowser({}, async (context, page) => {
      await openApp(page, 'fault-model');
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
      await openApp(page, 'fault-model');
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

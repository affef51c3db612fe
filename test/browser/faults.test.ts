/**
 * Fault injection in real Chromium, storage and capture: the tab reloading in the middle of an
 * IndexedDB write, storage running out of quota, and the capture track ending. Each must keep every
 * memory already stored intact and readable, tell the user, and go on or offer to. (The worker
 * and model faults are in faults-model.test.ts.) The demo stream with 2-second clips keeps these
 * fast; the camera test uses Chromium's fake camera playing a world stream file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { fakeCameraFlags, startDevServer } from './chromium';
import { writeWorldStream } from '../../scripts/lib/world-files';
import { agent, openApp, shown, state, stored, waitForMemories, withBrowser, type AgentEl } from './fault-page';

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

describe('faults', () => {
  it('keeps what was stored when the tab reloads in the middle of a write, and says so', async () => {
    await withBrowser({}, async (_context, page) => {
      await openApp(page, url, 'fault-reload');
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
      await openApp(page, url, 'fault-reload');
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
      await openApp(page, url, 'fault-quota');
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

  it('forgetting the last minutes while storage is full also drops the memories held back, so resuming never stores them', async () => {
    await withBrowser({}, async (context, page, errors) => {
      await openApp(page, url, 'fault-quota-forget');
      await agent(page).evaluate((el) => (el as AgentEl).startSource('demo'));
      await waitForMemories(page, 1);
      const cdp = await context.newCDPSession(page);
      const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: url, quotaSize: usage });
      await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Storage is full' }).count(), { timeout: 30_000 }).toBe(1);
      // The memories written by the model but held back (private: read because they are what must not be stored).
      const heldBack = () => agent(page).evaluate((el) => (el as unknown as { controller: { unsaved: { streamId: string; clipIndex: number }[] } }).controller.unsaved.map((m) => `${m.streamId}#${m.clipIndex} `));
      const held = await heldBack();
      expect(held.length).toBeGreaterThanOrEqual(1);

      const summary = await agent(page).evaluate((el) => (el as unknown as { controller: { forgetLastMinutes(n: number): Promise<{ memories: number } | null> } }).controller.forgetLastMinutes(5));
      expect(summary?.memories).toBeGreaterThanOrEqual(1);
      expect(await heldBack()).toEqual([]);
      expect(await stored(page, 'fault-quota-forget')).toEqual([]);

      // Space is freed and storing resumes: only clips captured after the forgetting are stored.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: url });
      await page.getByRole('button', { name: 'Resume storing' }).click();
      await expect.poll(async () => (await stored(page, 'fault-quota-forget')).length, { timeout: 90_000, interval: 250 }).toBeGreaterThanOrEqual(1);
      const after = await stored(page, 'fault-quota-forget');
      for (const h of held) expect(after.some((m) => m.startsWith(h))).toBe(false);
      expect(errors).toEqual([]);
    });
  });

  it('says so when the camera track ends, memorizes the last clip and keeps every stored memory', async () => {
    await writeWorldStream({ seed: 7004, outDir: dir, minutes: 1, fps: 5 });
    await withBrowser({ extraArgs: fakeCameraFlags(join(dir, 'stream.y4m')) }, async (_context, page, errors) => {
      await openApp(page, url, 'fault-track');
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
});

/**
 * TaskMem's Phase Two in the app, in real Chromium with a fake webcam: questions asked in the chat
 * train the adapter in the worker while the stream keeps being memorized; the trained version is
 * stored, activated and stamped on later memories; Cancel stops a training without touching the
 * active version; Reset goes back to the plain model.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { appWithWorldStream, fakeCameraFlags, launchChromium } from './chromium';
import { parseMemory } from '../../src/world/language';
import type { AgentController } from '../../src/agent/controller';

const SEED = 7021;
const DB = 'adapter-test';
const stream = appWithWorldStream({ seed: SEED, minutes: 3, prefix: 'adapter' });

type Agent = HTMLElement & { controller: AgentController; updateComplete: Promise<boolean> };

/** Rows of one IndexedDB store, reduced in the page to what the test compares (no typed arrays or blobs). */
async function storedMemories(page: Page) {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => Object.assign(indexedDB.open(name), { onsuccess(this: IDBOpenDBRequest) { ok(this.result); }, onerror: fail }));
    const rows = await new Promise<{ clipIndex: number; adapterVersion: number; createdAt: number }[]>((ok, fail) =>
      Object.assign(db.transaction('memories').objectStore('memories').getAll(), { onsuccess(this: IDBRequest) { ok(this.result); }, onerror: fail }));
    db.close();
    return rows.map((m) => ({ clipIndex: m.clipIndex, adapterVersion: m.adapterVersion, createdAt: m.createdAt }));
  }, DB);
}

async function storedAdapters(page: Page) {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => Object.assign(indexedDB.open(name), { onsuccess(this: IDBOpenDBRequest) { ok(this.result); }, onerror: fail }));
    const rows = await new Promise<{ modelId: string; layer: number; version: number; vector: Float32Array; trainedOn: { taskIds: number[]; memoryKeys: [string, number][] }; metrics: Record<string, number> }[]>((ok, fail) =>
      Object.assign(db.transaction('adapters').objectStore('adapters').getAll(), { onsuccess(this: IDBRequest) { ok(this.result); }, onerror: fail }));
    db.close();
    return rows.map((a) => ({ ...a, vector: Array.from(a.vector) }));
  }, DB);
}

/** Memories stored after `t` (epoch ms), oldest first. */
async function memoriesSince(page: Page, t: number) {
  return (await storedMemories(page)).filter((m) => m.createdAt > t).sort((a, b) => a.createdAt - b.createdAt);
}

const panel = (page: Page): Locator => page.locator('taskmem-agent tm-adapter-panel');
const version = (page: Page) => panel(page).locator('[part=adapter-version]').textContent();
const status = (page: Page) => panel(page).locator('[part=adapter-status]').textContent();

/**
 * Waits until the panel shows version `v`. A training that fails or stalls fails the test with what
 * the panel last showed (status, progress, error) instead of a bare timeout; an error ends the wait
 * at once. The limit is generous: one full-suite run on a loaded machine waited 240 s for v1 without
 * seeing it (a training run alone takes under a minute here, under two CPU-bound processes 2.5 minutes).
 */
async function waitForVersion(page: Page, v: string, timeout = 420_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const [shown, state, error, progress] = await Promise.all([
      version(page),
      status(page),
      panel(page).locator('[part=adapter-error]').allTextContents(),
      panel(page).locator('[part=adapter-progress]').allTextContents(),
    ]);
    if (shown === v) return;
    const seen = `version ${shown}, status ${state}, progress ${progress.join(' ').replace(/\s+/g, ' ').trim() || 'none'}, error ${error.join(' ').trim() || 'none'}`;
    if (error.length || Date.now() > deadline) expect.fail(`waiting for ${v}; the panel shows ${seen}`);
    await page.waitForTimeout(500);
  }
}

async function memoryCount(page: Page): Promise<number> {
  return page.locator('taskmem-agent tm-timeline li[data-key]').count();
}

async function waitForMemoryCount(page: Page, n: number, timeout = 120_000) {
  await expect.poll(() => memoryCount(page), { timeout, interval: 500 }).toBeGreaterThanOrEqual(n);
}

async function ask(page: Page, question: string) {
  await page.getByRole('textbox', { name: 'Ask about the stream' }).fill(question);
  await page.getByRole('button', { name: 'Ask' }).click();
  const reply = page.locator('taskmem-agent tm-chat li.agent').last();
  await expect.poll(() => reply.evaluate((li) => li.classList.contains('pending')), { timeout: 60_000 }).toBe(false);
}

describe('the TaskMem adapter in the app', () => {
  it('trains while memorizing, activates and stamps the new version, cancels cleanly and resets', { timeout: 900_000 }, async () => {
    const { context, close } = await launchChromium({ extraArgs: fakeCameraFlags(stream.y4m) });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${stream.url}/`);
      await page.locator('taskmem-agent').evaluate(async (el, db) => {
        const agent = el as Agent;
        el.setAttribute('device', 'wasm');
        el.setAttribute('db-name', db);
        // 2-second clips: a training of a few seconds still spans several clips being memorized.
        el.setAttribute('clip-seconds', '2');
        await agent.updateComplete;
        // A small Phase Two (about 10 s here: prompts are preprocessed once and scored many times), stored as a setting.
        // One SPSA direction per step (the default averages four): this test is about the app, not the fit.
        // Which frames the fake webcam's clips hold depends on timing, so a few clips' candidates can
        // all tie ("nothing to learn", seen once in CI with 3 candidates on 3 clips): the default 6
        // candidates, and training waits for 6 clips (below).
        await agent.controller.setAdapterTrainingOptions({ steps: 30, candidates: 6, batch: 3, directions: 1 });
        // Counts memories written while a training runs (the controller announces each one).
        const w = window as unknown as { __duringTraining: number };
        w.__duringTraining = 0;
        agent.controller.addEventListener('memory', () => {
          if (agent.controller.state.adapter.status === 'training') w.__duringTraining++;
        });
      }, DB);
      expect(await version(page)).toBe('none (plain model)');
      // Automatic training off, so only the clicks below train; the button says how to resume.
      await panel(page).getByRole('button', { name: 'Pause learning' }).click();
      await expect.poll(() => status(page)).toBe('learning paused');
      expect(await panel(page).getByRole('button', { name: 'Resume learning' }).count()).toBe(1);

      await page.getByRole('button', { name: 'Webcam' }).click();
      await waitForMemoryCount(page, 3, 240_000);
      const texts = await page.locator('taskmem-agent tm-timeline li[data-key] .text').allTextContents();
      const labels = [...new Set(texts.flatMap((t) => parseMemory(t).clauses).flatMap((c) => (c.kind === 'event' ? [c.subject.label] : [])))];
      const label = labels[0] ?? 'KIWI';
      for (const q of [`What color is ${label}?`, `Where is ${label}?`, `Where did ${labels[1] ?? label} move to?`]) await ask(page, q);

      // Train now: the stream keeps being memorized during training.
      await waitForMemoryCount(page, 6, 240_000);
      await panel(page).getByRole('button', { name: 'Train now' }).click();
      await expect.poll(() => status(page), { timeout: 10_000 }).toBe('training');
      await waitForVersion(page, 'v1');
      const trainedAt = Date.now();
      expect(await page.evaluate(() => (window as unknown as { __duringTraining: number }).__duringTraining)).toBeGreaterThan(0);
      expect(await status(page)).toBe('learning paused');
      expect(await panel(page).locator('[part=adapter-result]').textContent()).toMatch(/^v1: loss [\d.]+ → [\d.]+, \d+ pairs/);
      const adapters = await storedAdapters(page);
      expect(adapters).toHaveLength(1);
      const [v1] = adapters;
      expect(v1).toMatchObject({ modelId: 'taskmem/qwen3-vl-fixture', layer: 1, version: 1 });
      expect(v1.vector).toHaveLength(128);
      expect(v1.vector.some((x) => x !== 0)).toBe(true);
      expect(v1.trainedOn.taskIds).toHaveLength(3);
      expect(v1.trainedOn.memoryKeys.length).toBeGreaterThan(0);
      expect(v1.metrics.pairs).toBeGreaterThan(0);
      expect(await panel(page).locator('[part=adapter-tasks]').textContent()).toBe('3 questions');

      // Memories written from now on carry version 1 (one clip may already have been under way).
      await waitForMemoryCount(page, (await memoryCount(page)) + 2);
      const later = await memoriesSince(page, trainedAt);
      expect(later.at(-1)!.adapterVersion).toBe(1);
      expect(later.filter((m) => m.adapterVersion !== 1).length).toBeLessThanOrEqual(1);
      await expect.poll(() => page.locator('taskmem-agent tm-timeline li[data-key] .time').filter({ hasText: 'adapter v1' }).count()).toBeGreaterThan(0);

      // Cancel stops a second training; version 1 stays active and nothing new is stored.
      await panel(page).getByRole('button', { name: 'Train now' }).click();
      await expect.poll(() => status(page), { timeout: 10_000 }).toBe('training');
      await panel(page).getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => status(page), { timeout: 30_000 }).toBe('learning paused');
      expect(await version(page)).toBe('v1');
      expect(await panel(page).locator('[part=adapter-error]').count()).toBe(0);
      expect(await storedAdapters(page)).toHaveLength(1);

      // Reset: back to the plain model; the stored version is kept as history.
      await panel(page).getByRole('button', { name: 'Reset' }).click();
      await expect.poll(() => version(page)).toBe('none (plain model)');
      const resetAt = Date.now();
      await waitForMemoryCount(page, (await memoryCount(page)) + 2);
      const afterReset = await memoriesSince(page, resetAt);
      expect(afterReset.at(-1)!.adapterVersion).toBe(0);
      expect(afterReset.filter((m) => m.adapterVersion !== 0).length).toBeLessThanOrEqual(1);
      expect(await storedAdapters(page)).toHaveLength(1);

      // Resume learning: after every N new questions (N = 2 here, a stored setting) training starts by
      // itself, from the plain model again, as version 2 (reset versions keep their numbers).
      await panel(page).getByRole('button', { name: 'Resume learning' }).click();
      await expect.poll(() => status(page)).toBe('learning from your questions');
      await page.locator('taskmem-agent').evaluate((el) => (el as Agent).controller.setAdapterAutoEvery(2));
      const adapterEvents = page.evaluate(() => new Promise<number>((ok) => document.querySelector('taskmem-agent')!.addEventListener('taskmem-adapter', (e) => ok((e as CustomEvent).detail.version), { once: true })));
      await ask(page, `What color is ${label}?`);
      expect(await status(page)).toBe('learning from your questions');
      await ask(page, `Where is ${labels[1] ?? label}?`);
      await waitForVersion(page, 'v2');
      expect(await adapterEvents).toBe(2);
      const stored = await storedAdapters(page);
      expect(stored.map((x) => x.version)).toEqual([1, 2]);
      expect(stored[1].trainedOn.taskIds).toHaveLength(5);

      // After a reload the newest version is active again, and the settings hold.
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.reload();
      await page.locator('taskmem-agent').evaluate(async (el, db) => {
        el.setAttribute('db-name', db);
        await (el as Agent).updateComplete;
      }, DB);
      await expect.poll(() => version(page)).toBe('v2');
      expect(await status(page)).toBe('learning from your questions');
      expect(await panel(page).locator('[part=adapter-tasks]').textContent()).toBe('5 questions');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

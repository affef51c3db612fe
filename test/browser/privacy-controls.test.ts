/**
 * Privacy controls in the app, in real Chromium with a fake webcam: pause and resume (nothing of the
 * paused interval is memorized, the same stream goes on), "forget the last N minutes" (memories with
 * their thumbnails and the questions of that time gone, the adapter version trained on them marked
 * stale), rolling back to the version trained on nothing deleted (memorization uses it), retention
 * by age (old items deleted, the version that learned from them stale too), "keep forever" asking
 * the browser for persistent storage, and the usage table.
 */
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { appWithWorldStream, fakeCameraFlags, launchChromium } from './chromium';
import type { AgentController } from '../../src/agent/controller';

const SEED = 7031;
const DAY = 86_400_000;
const stream = appWithWorldStream({ seed: SEED, minutes: 4, prefix: 'privacy' });

type Agent = HTMLElement & { controller: AgentController; updateComplete: Promise<boolean> };
interface Row { streamId: string; clipIndex: number; t0: number; t1: number; createdAt: number; adapterVersion: number; thumb: number }

/** Every stored memory (thumbnail reduced to its size), straight from IndexedDB. */
async function stored(page: Page) {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => Object.assign(indexedDB.open('taskmem'), { onsuccess(this: IDBOpenDBRequest) { ok(this.result); }, onerror: fail }));
    const all = <T,>(store: string) => new Promise<T[]>((ok, fail) => Object.assign(db.transaction(store).objectStore(store).getAll(), { onsuccess(this: IDBRequest) { ok(this.result); }, onerror: fail }));
    const memories = (await all<Row & { thumbnail?: Blob }>('memories')).map((m) => ({ streamId: m.streamId, clipIndex: m.clipIndex, t0: m.t0, t1: m.t1, createdAt: m.createdAt, adapterVersion: m.adapterVersion, thumb: m.thumbnail?.size ?? 0 }));
    const tasks = (await all<{ id: number; question: string; askedAt: number }>('tasks')).map((t) => ({ id: t.id, question: t.question, askedAt: t.askedAt }));
    const adapters = (await all<{ version: number; parentVersion?: number; stale?: { reason: string; memoryKeys: [string, number][]; taskIds: number[] }; trainedOn: { taskIds: number[]; memoryKeys: [string, number][] } }>('adapters'))
      .map((a) => ({ version: a.version, parentVersion: a.parentVersion, stale: a.stale ?? null, trainedOn: a.trainedOn }));
    const streams = (await all<{ id: string }>('streams')).map((s) => s.id);
    db.close();
    return { memories, tasks, adapters, streams };
  });
}

const agent = (page: Page) => page.locator('taskmem-agent');
const adapterPanel = (page: Page): Locator => page.locator('taskmem-agent tm-adapter-panel');
const privacyPanel = (page: Page): Locator => page.locator('taskmem-agent tm-privacy-panel');
const indicator = (page: Page) => page.locator('taskmem-agent tm-capture-panel [part=capture-indicator]');
const streamTime = (page: Page) => agent(page).evaluate((el) => (el as Agent).controller.streamTime() ?? -1);
const liveId = (page: Page) => agent(page).evaluate((el) => (el as Agent).controller.state.streamId!);

async function liveMemories(page: Page): Promise<Row[]> {
  const id = await liveId(page);
  return (await stored(page)).memories.filter((m) => m.streamId === id);
}

/** The active version once a training is over, or the panel's error: a failed training fails the test with its reason. */
async function trainingOutcome(page: Page): Promise<string> {
  const status = await adapterPanel(page).locator('[part=adapter-status]').textContent();
  if (status === 'training') return 'training';
  const error = adapterPanel(page).locator('[part=adapter-error]');
  if (await error.count()) return `error: ${await error.textContent()}`;
  return (await adapterPanel(page).locator('[part=adapter-version]').textContent()) ?? '';
}

async function waitForLive(page: Page, pred: (rows: Row[]) => boolean, timeout = 180_000) {
  await expect.poll(async () => pred(await liveMemories(page)), { timeout, interval: 500 }).toBe(true);
}

describe('privacy controls in the app', () => {
  it('pauses and resumes capture, forgets the last minutes down to the adapter, rolls back, enforces retention by age and keeps forever', { timeout: 600_000 }, async () => {
    const { context, close } = await launchChromium({ extraArgs: fakeCameraFlags(stream.y4m) });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('dialog', (d) => void d.accept());
      await page.goto(`${stream.url}/`);
      // Forty days ago: a stream with two memories, a question about them, and adapter v1 trained on them.
      const now = Date.now();
      await page.evaluate(`(async () => {
        const { openTaskMemDb } = await import('/src/store/db.ts');
        const repo = await import('/src/store/repository.ts');
        const db = await openTaskMemDb();
        const old = ${now - 40 * DAY};
        await repo.putStream(db, { id: 'old', title: 'Old', source: 'webcam', createdAt: old, modelId: 'taskmem/qwen3-vl-fixture', clipSeconds: 10 });
        for (const i of [0, 1])
          await repo.putMemory(db, { streamId: 'old', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text: 'KIWI moved to the shelf.', modelId: 'taskmem/qwen3-vl-fixture', adapterVersion: 0, createdAt: old + i, thumbnail: new Blob([new Uint8Array(900)], { type: 'image/png' }) });
        const task = await repo.addTask(db, { askedAt: old + 5, streamId: 'old', streamTime: 20, question: 'Where is KIWI?', type: 'location', answer: 'the shelf', answered: true, citations: [{ streamId: 'old', clipIndex: 1 }] });
        await repo.putAdapter(db, { modelId: 'taskmem/qwen3-vl-fixture', layer: 1, version: 1, parentVersion: 0, vector: new Float32Array(128).map((_, i) => Math.sin(i) * 0.01), createdAt: old + 6,
          trainedOn: { taskIds: [task], memoryKeys: [['old', 0], ['old', 1]] }, metrics: { pairs: 1 } });
        // Ninety days ago, under a stored retention of 60 days: deleted when the app starts.
        await repo.putStream(db, { id: 'ancient', title: 'Ancient', source: 'webcam', createdAt: ${now - 90 * DAY}, modelId: 'taskmem/qwen3-vl-fixture', clipSeconds: 10 });
        await repo.putMemory(db, { streamId: 'ancient', clipIndex: 0, t0: 0, t1: 10, text: 'KIWI is red.', modelId: 'taskmem/qwen3-vl-fixture', adapterVersion: 0, createdAt: ${now - 90 * DAY} });
        await repo.setSetting(db, 'privacy.retention', { maxAgeDays: 60, maxMegabytes: null, keepForever: false });
        db.close();
      })()`);
      await page.reload();
      await agent(page).evaluate(async (el) => {
        el.setAttribute('device', 'wasm');
        el.setAttribute('clip-seconds', '5');
        await (el as Agent).updateComplete;
        await (el as Agent).controller.init();
        // A small Phase Two, so the test trains a real version in seconds.
        await (el as Agent).controller.setAdapterTrainingOptions({ steps: 2, candidates: 3, batch: 2 });
      });
      await expect.poll(() => adapterPanel(page).locator('[part=adapter-version]').textContent()).toBe('v1');
      // Retention ran at startup: the 90-day-old stream went, the 40-day-old one stays.
      const started = await stored(page);
      expect(started.streams).toEqual(['old']);
      expect(started.memories.map((m) => `${m.streamId}/${m.clipIndex}`)).toEqual(['old/0', 'old/1']);
      expect(await privacyPanel(page).locator('[part=retention-current]').textContent()).toMatch(/deleted after 60 days/);

      // Capture on: the indicator says so, and Pause sits next to it.
      await page.getByRole('button', { name: 'Webcam' }).click();
      await expect.poll(() => indicator(page).textContent(), { timeout: 60_000 }).toMatch(/Capturing: Webcam/);
      expect(await indicator(page).getAttribute('role')).toBe('status');
      await waitForLive(page, (rows) => rows.length >= 2);

      // Pause from the keyboard; the indicator changes; wait out two clips of stream time; resume.
      await page.getByRole('button', { name: 'Pause capture' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => indicator(page).textContent()).toMatch(/Capture paused/);
      const pausedAt = await agent(page).evaluate((el) => (el as Agent).controller.state.pauses[0].from);
      // Always in view: on a small, one-column screen scrolled to the bottom, the indicator and Resume are on screen.
      await page.setViewportSize({ width: 480, height: 400 });
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(400);
      for (const target of [indicator(page), page.getByRole('button', { name: 'Resume capture' })]) {
        const box = (await target.boundingBox())!;
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(400);
      }
      await page.setViewportSize({ width: 1280, height: 720 });
      await expect.poll(() => streamTime(page), { timeout: 60_000, interval: 500 }).toBeGreaterThan(pausedAt + 12);
      await page.getByRole('button', { name: 'Resume capture' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => indicator(page).textContent()).toMatch(/Capturing: Webcam/);
      const pause = await agent(page).evaluate((el) => (el as Agent).controller.state.pauses[0]);
      expect(pause.to! - pause.from).toBeGreaterThan(12);
      await waitForLive(page, (rows) => rows.filter((m) => m.t0 >= pause.to!).length >= 2);
      const afterPause = await liveMemories(page);
      // Nothing of the paused interval was memorized, and clip numbers go on in the same stream.
      expect(afterPause.filter((m) => m.t1 > pause.from + 1e-6 && m.t0 < pause.to! - 1e-6)).toEqual([]);
      expect(afterPause.filter((m) => m.t0 >= pause.to!).every((m) => m.clipIndex > Math.max(...afterPause.filter((x) => x.t1 <= pause.from).map((x) => x.clipIndex)))).toBe(true);
      expect(new Set(afterPause.map((m) => m.clipIndex)).size).toBe(afterPause.length);

      // A question and a trained v2 (from v1) on the live clips.
      await page.getByRole('textbox', { name: 'Ask about the stream' }).fill('Where is KIWI?');
      await page.getByRole('button', { name: 'Ask' }).click();
      await expect.poll(async () => (await stored(page)).tasks.length, { timeout: 60_000 }).toBe(2);
      await adapterPanel(page).getByRole('button', { name: 'Train now' }).click();
      await expect.poll(() => trainingOutcome(page), { timeout: 240_000, interval: 500 }).toBe('v2');
      const v2 = (await stored(page)).adapters.find((a) => a.version === 2)!;
      expect(v2.parentVersion).toBe(1);
      expect(v2.trainedOn.memoryKeys.length).toBeGreaterThan(0);

      // Forget the last 2 minutes through the panel (the confirmation is accepted).
      const before = await stored(page);
      const liveStream = await liveId(page);
      const streamAtForget = await streamTime(page);
      const forgetClicked = Date.now();
      await privacyPanel(page).getByRole('spinbutton', { name: 'Minutes to forget' }).fill('2');
      await privacyPanel(page).getByRole('button', { name: 'Forget' }).click();
      await expect.poll(() => page.locator('taskmem-agent [part=notice]').textContent()).toMatch(/^Forgot the last 2 minutes: \d+ memories/);
      const since = forgetClicked - 2 * 60_000;
      const after = await stored(page);
      const gone = before.memories.filter((m) => m.createdAt >= since + 1000);
      expect(gone.length).toBeGreaterThan(0);
      expect(gone.every((m) => m.thumb > 0)).toBe(true);
      const keyOf = (m: { streamId: string; clipIndex: number }) => `${m.streamId}/${m.clipIndex}`;
      const left = new Set(after.memories.map(keyOf));
      expect(gone.filter((m) => left.has(keyOf(m)))).toEqual([]);
      expect(after.memories.filter((m) => m.createdAt >= since && m.createdAt < forgetClicked)).toEqual([]);
      expect(after.tasks.map((t) => t.question)).toEqual(['Where is KIWI?']); // the old one; the new one went
      expect(after.tasks[0].askedAt).toBeLessThan(since);
      expect(after.memories.filter((m) => m.streamId === 'old')).toHaveLength(2);
      // v2 learned from what was forgotten: stale, persisted, shown, with a rollback to v1.
      const v2After = after.adapters.find((a) => a.version === 2)!;
      expect(v2After.stale).not.toBeNull();
      expect(v2After.stale!.memoryKeys.length + v2After.stale!.taskIds.length).toBeGreaterThan(0);
      expect(after.adapters.find((a) => a.version === 1)!.stale).toBeNull();
      await expect.poll(() => adapterPanel(page).locator('[part=adapter-stale]').textContent()).toMatch(/^v2 is stale: it learned from/);

      // Roll back: v1 is active and stamps the memories written from now on; nothing of the forgotten time comes back.
      await adapterPanel(page).getByRole('button', { name: 'Roll back to v1' }).click();
      await expect.poll(() => adapterPanel(page).locator('[part=adapter-version]').textContent()).toBe('v1');
      expect(await adapterPanel(page).locator('[part=adapter-stale]').count()).toBe(0);
      const rolledBackAt = Date.now();
      // Three clips, so the retraining below has enough to learn from (with too few, every candidate may tie).
      await waitForLive(page, (rows) => rows.filter((m) => m.createdAt > rolledBackAt).length >= 3);
      const newer = (await liveMemories(page)).filter((m) => m.createdAt > rolledBackAt).sort((a, b) => a.createdAt - b.createdAt);
      expect(newer.at(-1)!.adapterVersion).toBe(1);
      const writtenAfterForget = (await liveMemories(page)).filter((m) => m.createdAt > forgetClicked);
      expect(writtenAfterForget.every((m) => m.t0 >= streamAtForget)).toBe(true);
      expect(await liveId(page)).toBe(liveStream);

      // Retention by age: 30 days. The 40-day-old stream, its memories and its question go; v1 learned from them.
      expect(await privacyPanel(page).getByRole('spinbutton', { name: /Days to keep/ }).inputValue()).toBe('60');
      await privacyPanel(page).getByRole('spinbutton', { name: /Days to keep/ }).fill('30');
      await privacyPanel(page).getByRole('button', { name: 'Apply' }).click();
      await expect.poll(async () => (await stored(page)).streams.includes('old')).toBe(false);
      const retained = await stored(page);
      expect(retained.memories.filter((m) => m.streamId === 'old')).toEqual([]);
      expect(retained.tasks).toEqual([]);
      expect(retained.memories.length).toBeGreaterThan(0);
      expect(retained.adapters.find((a) => a.version === 1)!.stale).not.toBeNull();
      await expect.poll(() => privacyPanel(page).locator('[part=retention-current]').textContent()).toMatch(/deleted after 30 days/);
      await expect.poll(() => adapterPanel(page).locator('[part=adapter-stale]').textContent()).toMatch(/^v1 is stale/);
      expect(await adapterPanel(page).getByRole('button', { name: 'Roll back to the plain model' }).count()).toBe(1);

      // Retrain: from the newest version trained on nothing deleted (here the plain model), on what is left.
      await page.getByRole('textbox', { name: 'Ask about the stream' }).fill('What color is KIWI?');
      await page.getByRole('button', { name: 'Ask' }).click();
      await expect.poll(async () => (await stored(page)).tasks.length, { timeout: 60_000 }).toBe(1);
      await adapterPanel(page).getByRole('button', { name: 'Retrain' }).click();
      await expect.poll(() => trainingOutcome(page), { timeout: 240_000, interval: 500 }).toBe('v3');
      const v3 = (await stored(page)).adapters.find((a) => a.version === 3)!;
      expect(v3).toMatchObject({ parentVersion: 0, stale: null });
      const forgottenKeys = new Set(gone.map(keyOf));
      expect(v3.trainedOn.memoryKeys.filter(([s, c]) => forgottenKeys.has(`${s}/${c}`))).toEqual([]);
      expect(await adapterPanel(page).locator('[part=adapter-stale]').count()).toBe(0);
      expect(await adapterPanel(page).locator('[part=adapter-error]').count()).toBe(0);

      // Keep forever asks the browser for persistent storage (the real call, counted on the way).
      await page.evaluate(() => {
        const w = window as unknown as { __persistCalls: number };
        w.__persistCalls = 0;
        const real = navigator.storage.persist.bind(navigator.storage);
        navigator.storage.persist = () => {
          w.__persistCalls++;
          return real();
        };
      });
      await privacyPanel(page).getByRole('checkbox', { name: 'Keep forever' }).check();
      expect(await privacyPanel(page).getByRole('spinbutton', { name: /Days to keep/ }).isDisabled()).toBe(true);
      await privacyPanel(page).getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.evaluate(() => (window as unknown as { __persistCalls: number }).__persistCalls)).toBe(1);
      const persisted = await page.evaluate(() => navigator.storage.persisted());
      await expect.poll(() => privacyPanel(page).locator('[part=persist-result]').textContent())
        .toMatch(persisted ? /granted persistent storage/ : /did not grant persistent storage/);
      expect(await privacyPanel(page).locator('[part=retention-current]').textContent()).toMatch(/Kept forever/);

      // What is stored: the table counts what IndexedDB holds.
      // Pausing cuts the clip under way, and the worker may still be writing it: the table follows
      // the write by itself, so the count shown converges on what IndexedDB holds.
      await page.getByRole('button', { name: 'Pause capture' }).click();
      await privacyPanel(page).getByRole('button', { name: 'Refresh' }).click();
      await expect.poll(async () => {
        const shown = await privacyPanel(page).locator('tr[data-store=memories] .count').textContent();
        return [shown, String((await stored(page)).memories.length)];
      }, { timeout: 60_000 }).toSatisfy(([shown, held]) => shown === held);
      expect(await privacyPanel(page).locator('tr[data-store=adapters] .count').textContent()).toBe('3');
      expect(await privacyPanel(page).locator('[part=usage-estimate]').textContent()).toMatch(/Browser estimate: .* used of/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});

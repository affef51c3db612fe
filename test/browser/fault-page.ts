/**
 * The app page as the fault-injection tests drive it: open it on a named database, read its
 * controller's state, and read stored memories straight from IndexedDB (not through the app).
 */
import { expect } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import type { AgentState } from '../../src/agent/controller';
import type { InjectedFault, WorkerStats } from '../../src/worker/protocol';

export type AgentEl = HTMLElement & {
  updateComplete: Promise<boolean>;
  startSource(kind: string): Promise<void>;
  controller: {
    state: AgentState;
    injectFault(f: InjectedFault): Promise<void>;
    workerStats(): Promise<WorkerStats | null>;
    stop(): void;
  };
};

export const agent = (page: Page) => page.locator('taskmem-agent');

export async function openApp(page: Page, url: string, dbName: string, device: 'wasm' | 'webgpu' = 'wasm') {
  await page.goto(`${url}/`);
  await agent(page).evaluate(async (el, [db, dev]) => {
    el.setAttribute('db-name', db);
    el.setAttribute('device', dev);
    el.setAttribute('clip-seconds', '2');
    await (el as AgentEl).updateComplete;
  }, [dbName, device] as const);
}

export const state = (page: Page) => agent(page).evaluate((el) => {
  const s = (el as AgentEl).controller.state;
  return { memories: s.memories.length, model: s.model, error: s.error, notice: s.notice, recovery: s.recovery, capturing: s.capturing, queue: s.queue, memorizing: s.memorizing };
});

export async function waitForMemories(page: Page, n: number, timeout = 90_000) {
  await expect.poll(async () => (await state(page)).memories, { timeout, interval: 250 }).toBeGreaterThanOrEqual(n);
}

/** Every stored memory, read straight from IndexedDB (not through the app), as comparable strings. */
export function stored(page: Page, dbName: string): Promise<string[]> {
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
export const shown = (page: Page) => page.locator('taskmem-agent tm-timeline li[data-key] .text').allTextContents();

export async function withBrowser(opts: Parameters<typeof launchChromium>[0], fn: (context: BrowserContext, page: Page, errors: string[]) => Promise<void>) {
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

/**
 * Resource bounds in real Chromium: sampling slows down while the tab is hidden and comes back
 * when it is shown, and the inference worker never holds more frames than its bound however
 * long the stream runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer } from './chromium';
import type { AgentState } from '../../src/agent/controller';
import type { WorkerStats } from '../../src/worker/protocol';

type AgentEl = HTMLElement & {
  updateComplete: Promise<boolean>;
  startSource(kind: string): Promise<void>;
  controller: { state: AgentState; workerStats(): Promise<WorkerStats | null> };
};

let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startDevServer());
});

afterAll(async () => {
  await server?.close();
});

describe('resources', () => {
  it('samples less while the tab is hidden, and the worker holds a bounded number of frames', async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${url}/`);
      const agent = page.locator('taskmem-agent');
      await agent.evaluate(async (el) => {
        el.setAttribute('db-name', 'resources');
        el.setAttribute('device', 'wasm');
        el.setAttribute('clip-seconds', '2');
        await (el as AgentEl).updateComplete;
        await (el as AgentEl).startSource('demo');
      });
      const sampling = () => agent.evaluate((el) => (el as AgentEl).controller.state.sampling);
      expect(await sampling()).toEqual({ everySeconds: 1, reasons: [] });

      // Headless pages are always visible: the test hides this one the way the browser reports it.
      const setVisibility = (state: 'hidden' | 'visible') =>
        page.evaluate((s) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      expect(await sampling()).toEqual({ everySeconds: 4, reasons: ['hidden'] });
      const note = page.locator('taskmem-agent tm-model-panel dd', { hasText: 'a frame every' });
      await expect.poll(() => note.textContent()).toMatch(/a frame every 4 s \(slowed: tab hidden\)/);
      await setVisibility('visible');
      expect(await sampling()).toEqual({ everySeconds: 1, reasons: [] });
      await expect.poll(() => note.textContent()).toMatch(/^a frame every 1 s$/);

      // Well past the buffer's capacity (8 clips by default), frames held stay within the bound.
      const held: WorkerStats[] = [];
      await expect
        .poll(
          async () => {
            const s = await agent.evaluate((el) => (el as AgentEl).controller.workerStats());
            if (s) held.push(s);
            return agent.evaluate((el) => (el as AgentEl).controller.state.memories.length + (el as AgentEl).controller.state.rejected.length);
          },
          { timeout: 120_000, interval: 500 },
        )
        .toBeGreaterThanOrEqual(12);
      const last = (await agent.evaluate((el) => (el as AgentEl).controller.workerStats()))!;
      expect(last.recentClips).toBe(8);
      expect(last.framesBound).toBe((2 * 8 + 1) * 3);
      expect(held.length).toBeGreaterThan(5);
      for (const s of [...held, last]) expect(s.framesHeld).toBeLessThanOrEqual(s.framesBound);
    } finally {
      await close();
    }
  });
});

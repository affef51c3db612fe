/**
 * Resource bounds in real Chromium: sampling slows down while the tab is hidden and comes back
 * when it is shown, and the inference worker never holds more frames than its bound however
 * long the stream runs.
 */
import { describe, expect, it } from 'vitest';
import { devServerForFile, launchChromium } from './chromium';
import { samplingInterval } from '../../src/capture/sampler';
import type { AgentState } from '../../src/agent/controller';
import type { WorkerStats } from '../../src/worker/protocol';

type AgentEl = HTMLElement & {
  updateComplete: Promise<boolean>;
  startSource(kind: string): Promise<void>;
  controller: {
    state: AgentState;
    workerStats(): Promise<WorkerStats | null>;
    forgetLastMinutes(minutes: number): Promise<unknown>;
    pauseCapture(): void;
    resumeCapture(): void;
    deleteCurrentStream(): Promise<void>;
    deleteEverything(): Promise<void>;
  };
};

const dev = devServerForFile();

describe('resources', () => {
  it('samples less while the tab is hidden (also after forgetting and pause/resume), the worker holds a bounded number of frames, and deleting drops its buffered clips', { timeout: 600_000 }, async () => {
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      await page.goto(`${dev.url}/`);
      const agent = page.locator('taskmem-agent');
      await agent.evaluate(async (el) => {
        el.setAttribute('db-name', 'resources');
        el.setAttribute('device', 'wasm');
        el.setAttribute('clip-seconds', '2');
        await (el as AgentEl).updateComplete;
        await (el as AgentEl).startSource('demo');
      });
      // The model loads before startSource resolves; on a busy machine clips wait meanwhile and
      // memorization may be 'behind' too: the expected rate takes the queue read with it into account.
      const sampling = () => agent.evaluate((el) => ({ ...(el as AgentEl).controller.state.sampling, waiting: (el as AgentEl).controller.state.queue.waiting }));
      const expectRate = async (hidden: boolean) => {
        const { waiting, ...s } = await sampling();
        expect(s).toEqual(samplingInterval(1, { hidden, waiting, capacity: 6 }));
        expect(s.reasons.includes('hidden')).toBe(hidden);
        return s.everySeconds;
      };
      await expectRate(false);

      // Headless pages are always visible: the test hides this one the way the browser reports it.
      const setVisibility = (state: 'hidden' | 'visible') =>
        page.evaluate((s) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      expect(await expectRate(true)).toBeGreaterThanOrEqual(4);
      const note = page.locator('taskmem-agent tm-model-panel dd', { hasText: 'a frame every' });
      await expect.poll(() => note.textContent()).toMatch(/a frame every \d+ s \(slowed: tab hidden/);
      await setVisibility('visible');
      await expectRate(false);
      await expect.poll(() => note.textContent()).not.toMatch(/tab hidden/);

      // Forgetting and pause/resume restart the sampler; the new one samples at the backed-off rate
      // in force (the tab hidden, and maybe memorization behind). The sampler is private: read here
      // because what it samples at is the behaviour under test.
      const rates = () => agent.evaluate((el) => {
        const c = (el as unknown as { controller: { sampler: { sampleEverySeconds: number } | null; state: AgentState } }).controller;
        return { sampler: c.sampler?.sampleEverySeconds ?? null, inForce: c.state.sampling.everySeconds };
      });
      await setVisibility('hidden');
      await agent.evaluate((el) => (el as AgentEl).controller.forgetLastMinutes(1));
      const afterForget = await rates();
      expect(afterForget.inForce).toBeGreaterThanOrEqual(4);
      expect(afterForget.sampler).toBe(afterForget.inForce);
      await agent.evaluate((el) => (el as AgentEl).controller.pauseCapture());
      expect((await rates()).sampler).toBeNull();
      await agent.evaluate((el) => (el as AgentEl).controller.resumeCapture());
      const afterResume = await rates();
      expect(afterResume.inForce).toBeGreaterThanOrEqual(4);
      expect(afterResume.sampler).toBe(afterResume.inForce);
      await setVisibility('visible');

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

      // Deleting the stream being captured empties the worker's training buffer of its clips, and
      // a clip the model was writing at that moment is not stored into the deleted stream.
      const stored = () => page.evaluate(async () => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const r = indexedDB.open('resources');
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        const count = (name: string) => new Promise<number>((resolve, reject) => {
          const r = db.transaction(name).objectStore(name).count();
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        const out = { streams: await count('streams'), memories: await count('memories') };
        db.close();
        return out;
      });
      const bufferedAndBusy = () => agent.evaluate(async (el) => ({ buffered: (await (el as AgentEl).controller.workerStats())!.recentClips, memorizing: (el as AgentEl).controller.state.memorizing }));
      await agent.evaluate((el) => (el as AgentEl).controller.deleteCurrentStream());
      await expect.poll(bufferedAndBusy, { timeout: 60_000 }).toEqual({ buffered: 0, memorizing: false });
      expect(await stored()).toEqual({ streams: 0, memories: 0 });

      // The same for "delete everything", started while clips of a new capture are buffered.
      await agent.evaluate((el) => (el as AgentEl).startSource('demo'));
      await expect.poll(async () => (await bufferedAndBusy()).buffered, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(1);
      await agent.evaluate((el) => (el as AgentEl).controller.deleteEverything());
      await expect.poll(bufferedAndBusy, { timeout: 60_000 }).toEqual({ buffered: 0, memorizing: false });
      expect(await stored()).toEqual({ streams: 0, memories: 0 });
    } finally {
      await close();
    }
  });
});

/**
 * The benchmark protocol through the real app in Chromium: a fake webcam plays a world stream file,
 * the app samples, queues, memorizes in its worker and stores as it does for a user, and then each
 * question is answered by the app's own answer path with memory limited to clips that ended by the
 * question's time. Scores must match `npm run eval` in Node on the same stream.
 *
 * Stated tolerance: the camera clock and the file's frames are not aligned to the millisecond, so
 * the app may sample a frame up to a second away from the one Node reads. World events never fall
 * within a second of the 5-second frame grid, so the frames show the same scene and the memories
 * should be identical; we require at least 5 of the 6 clips' memories to be identical and overall
 * accuracy within 10 points (one question in ten).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appWithWorldStream, fakeCameraFlags, launchChromium } from './chromium';
import { evaluate } from '../../scripts/eval';
import { judgeAnswer, scoreTable } from '../../src/eval/score';
import type { ManifestQuestion } from '../../src/eval/manifest';
import { TUNING_SEEDS } from '../../src/world/seeds';

const SEED = TUNING_SEEDS[4]!;
const CLIPS = 6;
const stream = appWithWorldStream({ seed: SEED, minutes: 1, prefix: 'eval-browser' });

interface PageAnswer {
  text: string;
  abstained: boolean;
}

describe('benchmark protocol in the browser', () => {
  it('scores the same through the app pipeline (fake webcam, worker, IndexedDB) as npm run eval in Node', async () => {
    const manifest = JSON.parse(readFileSync(stream.manifestPath, 'utf8')) as { questions: ManifestQuestion[] };
    const [node] = await evaluate([stream.manifestPath], { memorizers: ['taskmem'] });
    const nodeMemories = node!.streams[0]!.run.memories;

    const { context, close } = await launchChromium({
      extraArgs: fakeCameraFlags(stream.y4m),
    });
    try {
      const page = await context.newPage();
      await page.goto(`${stream.url}/`);
      await page.locator('taskmem-agent').evaluate((el) => {
        el.setAttribute('device', 'wasm');
        el.setAttribute('db-name', 'eval-protocol');
      });
      await page.getByRole('button', { name: 'Webcam' }).click();
      // The fake camera loops the file: only the first pass (6 clips of 10 s) is the stream.
      // A function, not a string: the page's CSP forbids the eval Playwright uses for string predicates.
      await page.waitForFunction(
        (clips) => {
          const c = (document.querySelector('taskmem-agent') as unknown as { controller?: { state: { memories: unknown[]; rejected: unknown[] } } } | null)?.controller;
          return (c ? c.state.memories.length + c.state.rejected.length : 0) >= clips;
        },
        CLIPS,
        { timeout: 180_000, polling: 250 },
      );
      await page.getByRole('button', { name: 'Stop' }).click();
      const appMemories = await page.locator('taskmem-agent').evaluate((el) =>
        (el as unknown as { controller: { state: { memories: { clipIndex: number; t0: number; t1: number; text: string }[] } } }).controller.state.memories
          .map(({ clipIndex, t0, t1, text }) => ({ clipIndex, t0, t1, text })),
      );
      const firstPass = appMemories.filter((m) => m.clipIndex < CLIPS);
      const same = firstPass.filter((m) => nodeMemories.find((n) => n.clipIndex === m.clipIndex)?.text === m.text).length;
      expect(same, `app memories ${JSON.stringify(firstPass)}\nNode memories ${JSON.stringify(nodeMemories)}`).toBeGreaterThanOrEqual(CLIPS - 1);

      // Each question through the app's answer path, seeing only clips that ended by its time.
      const answers = (await page.locator('taskmem-agent').evaluate(
        async (el, questions) => {
          const c = (el as unknown as { controller: { state: { memories: { clipIndex: number }[] }; answer(q: string, o: object): Promise<{ text: string; abstained: boolean }> } }).controller;
          c.state.memories = c.state.memories.filter((m) => m.clipIndex < 6);
          const out: { text: string; abstained: boolean }[] = [];
          for (const q of questions) {
            const a = await c.answer(q.question, { asOf: q.t, choices: q.choices });
            out.push({ text: a.text, abstained: a.abstained });
          }
          return out;
        },
        manifest.questions.map(({ question, t, choices }) => ({ question, t, choices })),
      )) as PageAnswer[];
      const browser = scoreTable(manifest.questions.map((q, i) => ({ type: q.type, verdict: judgeAnswer(q, answers[i]!.text, answers[i]!.abstained) })));
      const nodeTable = node!.table;
      expect(browser.overall.questions).toBe(nodeTable.overall.questions);
      expect(Math.abs(browser.overall.accuracy - nodeTable.overall.accuracy)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(browser.overall.coverage - nodeTable.overall.coverage)).toBeLessThanOrEqual(0.1);
    } finally {
      await close();
    }
  });
});

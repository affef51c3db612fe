/**
 * Recall past the answer context in the real app: with more memories than the answerer reads, the
 * answerer reads the lines retrieval picks (the relevant clip, in time order, no more than the
 * model's context holds). The fixture's answerer reads clause passages (registry `answer.unit`),
 * ranked by src/recall/passages.ts; whole-memory models go through the recall index, which
 * test/unit/memory-index.test.ts and npm run bench:recall cover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startDevServer } from './chromium';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';

let url: string;
let stop: () => Promise<void>;
let open: () => Promise<import('playwright-core').Page>;

beforeAll(async () => {
  const dev = await startDevServer();
  url = dev.url;
  const chromium = await launchChromium();
  open = () => chromium.context.newPage();
  stop = async () => {
    await chromium.close();
    await dev.server.close();
  };
}, 120_000);

afterAll(async () => {
  await stop?.();
});

describe('recall in the app', () => {
  it('answers from the lines retrieval picks once memory is past the context', async () => {
    const store = await open();
    await store.goto(`${url}/test/browser/harness/store.html`);
    await store.waitForFunction(() => document.title === 'store ready');
    await store.evaluate(() => window.store.reset());
    await store.evaluate(() => window.store.seedLong(300, 37));
    const app = await open();
    await app.goto(`${url}/`);
    const agent = app.locator('taskmem-agent');
    await agent.evaluate((el) => el.setAttribute('device', 'wasm'));
    await expect.poll(() => agent.evaluate((el) => (el as unknown as { controller: { state: { memories: unknown[] } } }).controller.state.memories.length)).toBe(300);
    type Ctl = { controller: { answer(q: string, o?: { asOf?: number }): Promise<{ context: { clipIndex: number }[] }> } };
    const picked = (q: string, asOf?: number) => agent.evaluate(async (el, [question, t]) => (await (el as unknown as Ctl).controller.answer(question as string, { asOf: t as number | undefined })).context.map((m) => m.clipIndex), [q, asOf] as const);
    const ctx = await picked('What color is ZED?');
    expect(ctx).toHaveLength(getModelSpec(FIXTURE_MODEL_ID).answer.contextLines);
    expect(ctx).toContain(37);
    expect(ctx).toEqual([...ctx].sort((a, b) => a - b));
    // Asked before clip 37 ended: it is not visible, whatever the index holds.
    expect(await picked('What color is ZED?', 300)).not.toContain(37);
    expect(await picked('How many objects appeared between 20:00 and 20:30?')).toEqual(expect.arrayContaining([120, 121, 122]));
  }, 240_000);
});

/**
 * The widget as another site uses it: `npm run build:widget` served on the agent's origin
 * (127.0.0.1), a demo host page on another origin and site (localhost, another port) importing the
 * widget module, in Chromium with third-party storage partitioned as in Chrome. The agent memorizes the demo stream in its frame; the host gets events without
 * text until the user shares text in the frame, and cannot read the agent's IndexedDB. Host page,
 * embed page and widget all run under strict CSPs with no violation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { STORAGE_PARTITIONING_FLAGS, launchChromium, startPreviewServer } from './chromium';
import { startDemoHost } from '../../scripts/lib/demo-host';

type HostEvent = { type: string; detail: Record<string, unknown> };

let agent: { close: () => Promise<void>; url: string };
let host: { close: () => Promise<void>; url: string };
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'taskmem-widget-'));
  agent = await startPreviewServer(outDir, { mode: 'widget' });
  host = await startDemoHost(agent.url);
});

afterAll(async () => {
  await host?.close();
  await agent?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** Records CSP violations in every frame (host page and the agent's frame) from the first script on. */
async function recordViolations(context: BrowserContext) {
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
  });
}

const violations = (target: Page | Frame) => target.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
const hostEvents = (page: Page) => page.evaluate(() => (window as unknown as { hostEvents: HostEvent[] }).hostEvents);

async function waitForEvent(page: Page, type: string, count = 1, timeout = 120_000): Promise<HostEvent[]> {
  await expect.poll(async () => (await hostEvents(page)).filter((e) => e.type === type).length, { timeout, interval: 500 }).toBeGreaterThanOrEqual(count);
  return (await hostEvents(page)).filter((e) => e.type === type);
}

function embedFrame(page: Page): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${agent.url}/embed.html`));
  if (!frame) throw new Error('the widget frame is not there');
  return frame;
}

async function ask(page: Page, question: string) {
  const frame = page.frameLocator('taskmem-agent >> iframe');
  await frame.getByRole('textbox', { name: 'Ask about the stream' }).fill(question);
  await frame.getByRole('button', { name: 'Ask' }).click();
}

describe('embedded widget', () => {
  it('keeps memories in the agent origin and sends the host text only after the user shares it', async () => {
    const { context, close } = await launchChromium({ extraArgs: STORAGE_PARTITIONING_FLAGS });
    try {
      await recordViolations(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${host.url}/?device=wasm&clip-seconds=5&db-name=widget-test&theme=light`);
      const [ready] = await waitForEvent(page, 'taskmem-ready', 1, 60_000);
      expect(ready.detail).toEqual({ textShared: false });

      // The frame: titled, with the camera and screen delegated, styled by the host's ::part(frame).
      const iframe = page.locator('taskmem-agent >> iframe');
      expect(await iframe.getAttribute('title')).toBe('TaskMem memory agent');
      expect(await iframe.getAttribute('allow')).toContain('camera');
      expect(await iframe.evaluate((f) => getComputedStyle(f).borderTopWidth)).toBe('1px');
      // Theming: the host's --taskmem-* values and theme="light" reach the app element in the frame.
      const frame = embedFrame(page);
      expect(await frame.evaluate(() => getComputedStyle(document.querySelector('taskmem-agent')!).getPropertyValue('--taskmem-accent').trim())).toBe('#b4451f');
      expect(await frame.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      // The frame grows to its content (the host set no --taskmem-frame-height).
      await expect.poll(() => iframe.evaluate((f) => f.getBoundingClientRect().height)).toBeGreaterThan(300);

      // Keyboard: Tab from the host's last control before the widget moves focus into the frame.
      await page.locator('#before').focus();
      await page.keyboard.press('Tab');
      // The frame is out of process (another site), so focus crosses into it asynchronously: poll.
      await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('TASKMEM-AGENT');
      await expect.poll(() => frame.evaluate(() => document.hasFocus() && document.activeElement !== document.body)).toBe(true);

      // The user starts the demo stream in the frame; a memory event reaches the host, without text.
      const inFrame = page.frameLocator('taskmem-agent >> iframe');
      await inFrame.getByRole('button', { name: 'Demo stream' }).click();
      const [memory] = await waitForEvent(page, 'taskmem-memory');
      expect(Object.keys(memory.detail).sort()).toEqual(['adapterVersion', 'clipIndex', 'memoryCount', 'streamId', 't0', 't1', 'textShared']);
      expect(memory.detail).toMatchObject({ textShared: false, memoryCount: 1 });
      expect(memory.detail.t1 as number).toBeGreaterThan(memory.detail.t0 as number);

      await ask(page, 'What appeared first?');
      const [answer] = await waitForEvent(page, 'taskmem-answer', 1, 60_000);
      expect(Object.keys(answer.detail).sort()).toEqual(['abstained', 'citations', 'textShared']);

      // The memories are in the agent origin's IndexedDB; the host's own storage has none of them.
      expect(await frame.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain('widget-test');
      expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([]);
      const hostStores = await page.evaluate(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const req = indexedDB.open('widget-test');
            req.onsuccess = () => {
              const names = [...req.result.objectStoreNames];
              req.result.close();
              indexedDB.deleteDatabase('widget-test');
              resolve(names);
            };
            req.onerror = () => reject(req.error);
          }),
      );
      expect(hostStores).toEqual([]);
      // The frame is another origin: the host page cannot script it.
      expect(await page.evaluate(() => {
        try {
          return String((document.querySelector('taskmem-agent')!.shadowRoot!.querySelector('iframe')!.contentWindow as Window).document);
        } catch (e) {
          return (e as Error).name;
        }
      })).toBe('SecurityError');

      // The user shares text with this host, in the frame: the control names the host's origin.
      const share = inFrame.getByRole('checkbox', { name: `Share memory text with ${host.url}` });
      expect(await share.isChecked()).toBe(false);
      // Turning sharing on asks again in a browser dialog (the host cannot draw over it).
      const dialogs: string[] = [];
      page.once('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await share.click();
      await expect.poll(() => dialogs.length).toBe(1);
      expect(dialogs[0]).toContain(host.url);
      expect(await share.isChecked()).toBe(false);
      page.once('dialog', (d) => void d.accept());
      await share.check();
      const before = (await hostEvents(page)).filter((e) => e.type === 'taskmem-memory').length;
      const memories = await waitForEvent(page, 'taskmem-memory', before + 1);
      const shared = memories[memories.length - 1].detail;
      expect(shared.textShared).toBe(true);
      expect(typeof shared.text).toBe('string');
      expect((shared.text as string).length).toBeGreaterThan(0);
      await ask(page, 'What appeared first?');
      const answers = await waitForEvent(page, 'taskmem-answer', 2, 60_000);
      expect(answers[1].detail).toMatchObject({ textShared: true, question: 'What appeared first?' });
      expect(typeof answers[1].detail.answer).toBe('string');

      // The choice is kept in the agent origin's settings for this host.
      await page.reload();
      const [again] = await waitForEvent(page, 'taskmem-ready', 1, 60_000);
      expect(again.detail).toEqual({ textShared: true });

      expect(await violations(page)).toEqual([]);
      expect(await violations(embedFrame(page))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('works in a cross-origin-isolated host, and reports attributes it refuses', async () => {
    const { context, close } = await launchChromium({ extraArgs: STORAGE_PARTITIONING_FLAGS });
    try {
      await recordViolations(context);
      const page = await context.newPage();
      await page.goto(`${host.url}/?isolated=1&device=quantum&db-name=widget-isolated`);
      await waitForEvent(page, 'taskmem-ready', 1, 60_000);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      // The frame is isolated too (COEP + CORP on the embed page, isolation delegated by allow=).
      expect(await embedFrame(page).evaluate(() => crossOriginIsolated)).toBe(true);
      const [error] = await waitForEvent(page, 'taskmem-error', 1, 10_000);
      expect(error.detail.message).toMatch(/device=.*not valid/);
      // A property set on the widget reaches the frame.
      await page.evaluate(() => ((document.querySelector('taskmem-agent') as unknown as { clipSeconds: number }).clipSeconds = 7));
      await expect.poll(() => embedFrame(page).evaluate(() => (document.querySelector('taskmem-agent') as unknown as { clipSeconds: number }).clipSeconds)).toBe(7);
      expect(await violations(page)).toEqual([]);
      expect(await violations(embedFrame(page))).toEqual([]);
    } finally {
      await close();
    }
  });
});

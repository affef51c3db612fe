/**
 * Memory use over a long stream: a synthetic world stream (one hour by default) runs through the
 * whole app in headless Chromium (sampler, clip queue, inference worker with the fixture on WASM,
 * IndexedDB writes with thumbnails, the timeline) as fast as memorization keeps up, while the page's
 * JS heap, the worker's JS heap and the IndexedDB size are sampled. Writes the figures into
 * docs/results.md between the long-stream markers.
 *
 *   npm run bench:long [-- --minutes 60 --speed 12 --seed 7001 --no-write]
 *
 * The source is the demo world (the same renderer as the app's demo stream) on a virtual clock:
 * stream time runs `speed` times faster than wall time, and stands still while two or more clips
 * wait for the memorizer, so the run measures the app, not a queue overflowing by design. Heap
 * figures are taken after a forced garbage collection (CDP HeapProfiler.collectGarbage): retained
 * memory, the quantity that must stay flat. Lag is stream seconds between the newest stream time
 * and the end of the newest memorized clip: the clip being cut (up to 10 s) plus the clips waiting,
 * so the pause rule keeps it near 30 s; it must not grow over the run. bench:app measures the
 * real-time delay from a clip's end to its memory on screen.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium, startDevServer } from './lib/chromium';
import { EVALUATION_SEEDS } from '../src/world/seeds';
import { placeGeneratedBlock } from './lib/generated-block';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const minutes = Number(flag('minutes') ?? 60);
const speed = Number(flag('speed') ?? 12);
const seed = Number(flag('seed') ?? EVALUATION_SEEDS[0]);
const write = !args.includes('--no-write');
const RESULTS = 'docs/results.md';
const START = '<!-- long-stream:start (written by npm run bench:long) -->';
const END = '<!-- long-stream:end -->';
const SAMPLE_EVERY_MS = 10_000;

interface Sample {
  wallS: number;
  streamS: number;
  pageHeapMB: number;
  workerHeapMB: number | null;
  idbMB: number;
  memories: number;
  lagS: number;
  waiting: number;
  framesHeld: number | null;
  framesBound: number | null;
}

const MB = 1024 * 1024;

/** Runs in the page: a demo-world source on a virtual clock, started through the app's controller. */
const START_STREAM = (durationSeconds: number, speedUp: number, worldSeed: number) => `(async () => {
  const { simulateWorld } = await import('/src/world/simulate.ts');
  const { worldFrame } = await import('/src/world/render.ts');
  const { fitFrame } = await import('/src/memorize/frames.ts');
  const el = document.querySelector('taskmem-agent');
  const controller = el.controller;
  const world = simulateWorld({ seed: ${worldSeed}, durationSeconds: ${durationSeconds} });
  let t = 0;
  let last = performance.now();
  const ended = [];
  let done = false;
  const clock = setInterval(() => {
    const now = performance.now();
    // Stream time stands still while memorization is behind.
    if (controller.state.queue.waiting < 2) t = Math.min(${durationSeconds}, t + ((now - last) / 1000) * ${speedUp});
    last = now;
    if (t >= ${durationSeconds} && !done) {
      done = true;
      clearInterval(clock);
      ended.forEach((cb) => cb('The benchmark stream finished.'));
    }
  }, 50);
  window.__bench = { now: () => t, done: () => done };
  await controller.start({
    kind: 'demo',
    title: 'Benchmark world (seed ${worldSeed}, ${durationSeconds / 60} min)',
    now: () => t,
    grab: (w, h) => fitFrame(worldFrame(world, t), w, h),
    onEnded: (cb) => ended.push(cb),
    stop() { if (!done) { done = true; clearInterval(clock); ended.forEach((cb) => cb('Capture stopped.')); } },
  });
})()`;

/**
 * A CDP session on the inference worker, through the page's session (Target.sendMessageToTarget):
 * Playwright opens CDP sessions on pages only, and performance.memory does not exist in workers.
 */
async function workerSession(cdp: CDPSession): Promise<((method: string) => Promise<unknown>) | null> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes('inference.worker'));
  if (!target) return null;
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
  const waiting = new Map<number, (r: unknown) => void>();
  let next = 1;
  cdp.on('Target.receivedMessageFromTarget' as never, ((e: { sessionId: string; message: string }) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  }) as never);
  return (method) =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      void cdp.send('Target.sendMessageToTarget' as never, { sessionId, message: JSON.stringify({ id, method }) } as never);
    });
}

interface UaMemory {
  totalMB: number;
  workerMB: number;
  pageMB: number;
}

/**
 * The browser's own measure of this page's memory, workers included, and with them ONNX Runtime's
 * WASM memory, which the JS heap figures leave out (performance.measureUserAgentSpecificMemory,
 * cross-origin isolated pages only). It waits for a garbage collection (about a minute here), so it
 * is taken twice: with the model loaded before the stream, and after the stream.
 */
async function uaMemory(page: Page): Promise<UaMemory | null> {
  const m = (await page.evaluate(`(async () => {
    if (!crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return null;
    const m = await performance.measureUserAgentSpecificMemory();
    const sum = (pred) => m.breakdown.filter(pred).reduce((n, b) => n + b.bytes, 0);
    return { total: m.bytes, worker: sum((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')), page: sum((b) => b.attribution.some((a) => a.scope === 'Window')) };
  })()`)) as { total: number; worker: number; page: number } | null;
  return m && { totalMB: m.total / MB, workerMB: m.worker / MB, pageMB: m.page / MB };
}

async function sample(page: Page, cdp: CDPSession, worker: ((method: string) => Promise<unknown>) | null, started: number): Promise<Sample> {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  let workerHeap: number | null = null;
  if (worker) {
    await worker('HeapProfiler.collectGarbage');
    workerHeap = ((await worker('Runtime.getHeapUsage')) as { usedSize?: number } | undefined)?.usedSize ?? null;
  }
  const s = (await page.evaluate(`(async () => {
    const c = document.querySelector('taskmem-agent').controller;
    const est = await navigator.storage.estimate();
    const mems = c.state.memories;
    const newest = mems.length ? mems[mems.length - 1].t1 : 0;
    const stats = await c.workerStats().catch(() => null);
    return { streamS: window.__bench.now(), idb: est.usageDetails?.indexedDB ?? est.usage ?? 0, memories: mems.length, newest,
      waiting: c.state.queue.waiting, framesHeld: stats?.framesHeld ?? null, framesBound: stats?.framesBound ?? null };
  })()`)) as { streamS: number; idb: number; memories: number; newest: number; waiting: number; framesHeld: number | null; framesBound: number | null };
  return {
    wallS: (Date.now() - started) / 1000,
    streamS: s.streamS,
    pageHeapMB: heap.usedSize / MB,
    workerHeapMB: workerHeap === null ? null : workerHeap / MB,
    idbMB: s.idb / MB,
    memories: s.memories,
    lagS: Math.max(0, s.streamS - s.newest),
    waiting: s.waiting,
    framesHeld: s.framesHeld,
    framesBound: s.framesBound,
  };
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den ? num / den : 0;
}

const f1 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(1));
const f2 = (x: number) => x.toFixed(2);

const { server, url } = await startDevServer();
const { context, close } = await launchChromium({ extraArgs: ['--enable-blink-features=ForceEagerMeasureMemory'] });
let uaStart: UaMemory | null = null;
let uaEnd: UaMemory | null = null;
const started = Date.now();
const samples: Sample[] = [];
let merged = 0;
let rejected = 0;
try {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/`);
  await page.locator('taskmem-agent').evaluate(async (el) => {
    el.setAttribute('device', 'wasm');
    el.setAttribute('db-name', `bench-long-${Date.now()}`);
    await (el as unknown as { updateComplete: Promise<boolean> }).updateComplete;
  });
  const cdp = await context.newCDPSession(page);
  process.stderr.write('measuring memory with the model loaded (about a minute)...\n');
  await page.locator('taskmem-agent').evaluate((el) => (el as unknown as { controller: { loadModel(): Promise<void> } }).controller.loadModel());
  uaStart = await uaMemory(page);
  process.stderr.write(`bench:long: ${minutes} min of stream at up to ${speed}x...\n`);
  await page.evaluate(START_STREAM(minutes * 60, speed, seed));
  const worker = await workerSession(cdp);
  for (;;) {
    const s = await sample(page, cdp, worker, started);
    samples.push(s);
    process.stderr.write(`  wall ${s.wallS.toFixed(0)} s, stream ${(s.streamS / 60).toFixed(1)} min, ${s.memories} memories, page heap ${f1(s.pageHeapMB)} MB, worker heap ${f1(s.workerHeapMB)} MB, IndexedDB ${f2(s.idbMB)} MB, lag ${s.lagS.toFixed(0)} s\n`);
    const finished = (await page.evaluate(`(() => { const c = document.querySelector('taskmem-agent').controller; return window.__bench.done() && c.state.queue.waiting === 0 && !c.state.memorizing; })()`)) as boolean;
    if (finished) break;
    await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
  }
  process.stderr.write('measuring memory after the stream (about a minute)...\n');
  uaEnd = await uaMemory(page);
  ({ merged, rejected } = (await page.evaluate(`(() => { const s = document.querySelector('taskmem-agent').controller.state; return { merged: s.queue.merged, rejected: s.rejected.length }; })()`)) as { merged: number; rejected: number });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
} finally {
  await close();
  await server.close();
}

const first = samples[0]!;
const last = samples[samples.length - 1]!;
const hours = last.streamS / 3600;
const half = samples.filter((s) => s.streamS >= last.streamS / 2);
const pageSlope = slope(half.map((s) => s.streamS / 3600), half.map((s) => s.pageHeapMB));
const workerHeaps = samples.map((s) => s.workerHeapMB).filter((x): x is number => x !== null);
const workerHalf = half.filter((s) => s.workerHeapMB !== null);
const workerSlope = workerHalf.length > 1 ? slope(workerHalf.map((s) => s.streamS / 3600), workerHalf.map((s) => s.workerHeapMB!)) : null;
const workerTrend = workerSlope === null ? 'n/a' : `${workerSlope >= 0 ? '+' : ''}${f2(workerSlope)} MB per stream hour`;
const wallMin = (Date.now() - started) / 60000;
const held = samples.map((s) => s.framesHeld).filter((x): x is number => x !== null);
const bound = samples.map((s) => s.framesBound).find((x) => x !== null) ?? null;

const lines = [
  START,
  `${(last.streamS / 60).toFixed(0)} minutes of world stream (seed ${seed}, 10-second clips) through the app in headless Chromium, fixture on WASM, stream time up to ${speed}x wall time and paused while 2 clips wait; ${wallMin.toFixed(1)} min wall, measured ${new Date().toISOString().slice(0, 10)}. ${samples.length} samples, heap after a forced GC.`,
  '',
  '| figure | value |',
  '| --- | ---: |',
  `| memories stored | ${last.memories} (${rejected} clips rejected, ${merged} merged) |`,
  `| page JS heap: start / end / max | ${f1(first.pageHeapMB)} / ${f1(last.pageHeapMB)} / ${f1(Math.max(...samples.map((s) => s.pageHeapMB)))} MB |`,
  `| page JS heap trend over the second half | ${pageSlope >= 0 ? '+' : ''}${f2(pageSlope)} MB per stream hour |`,
  `| worker JS heap: start / end / max | ${workerHeaps.length ? `${f1(workerHeaps[0])} / ${f1(workerHeaps[workerHeaps.length - 1])} / ${f1(Math.max(...workerHeaps))} MB` : 'n/a (no CDP session on the worker)'} |`,
  `| worker JS heap trend over the second half | ${workerTrend} |`,
  `| browser-measured memory, model loaded -> after the stream: worker / page / total | ${uaStart && uaEnd ? `${f1(uaStart.workerMB)} -> ${f1(uaEnd.workerMB)} / ${f1(uaStart.pageMB)} -> ${f1(uaEnd.pageMB)} / ${f1(uaStart.totalMB)} -> ${f1(uaEnd.totalMB)} MB` : 'n/a (measureUserAgentSpecificMemory unavailable)'} |`,
  `| frames held by the worker: max / bound | ${held.length ? Math.max(...held) : 'n/a'} / ${bound ?? 'n/a'} |`,
  `| IndexedDB: start / end | ${f2(first.idbMB)} / ${f2(last.idbMB)} MB |`,
  `| IndexedDB per stream hour | ${hours > 0 ? f2((last.idbMB - first.idbMB) / hours) : 'n/a'} MB |`,
  `| lag (stream s from now to the newest memory's end): median / max | ${f1(median(samples.map((s) => s.lagS)))} / ${f1(Math.max(...samples.map((s) => s.lagS)))} s |`,
  `| lag over the second half: max | ${f1(Math.max(...half.map((s) => s.lagS)))} s |`,
  `| stream time per wall time (whole run, model load included) | ${f1(last.streamS / ((Date.now() - started) / 1000))}x |`,
  END,
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

const block = lines.join('\n');
console.log(block);
if (write) {
  const current = readFileSync(RESULTS, 'utf8');
  const next = placeGeneratedBlock(current, {
    start: START, end: END, text: block,
    heading: "## Long stream (`npm run bench:long`)\n\nJS heap (page and worker, after a forced GC) and IndexedDB size sampled over a long synthetic stream, and the browser's own memory measure (which includes ONNX Runtime's WASM memory) before and after it: memory use must stay flat.",
  });
  writeFileSync(RESULTS, next);
  process.stderr.write(`wrote ${RESULTS}\n`);
}

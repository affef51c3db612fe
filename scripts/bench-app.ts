/**
 * The app's speed in headless Chromium with the fixture, per backend (WASM, WebGPU through
 * SwiftShader): how long after a clip ends in the stream its memory is stored and visible in the
 * timeline (median, p95), and how much main-thread time the page spends per clip.
 *
 *   npm run bench:app [-- --seconds 90 --backends wasm,webgpu]
 *
 * A fake webcam plays a world stream in real time, as a user's camera would, so each backend takes
 * the stream's length to run. Main-thread time comes from Chromium's own counters (CDP
 * Performance.getMetrics): ScriptDuration is JavaScript on the page's main thread (ours: capture,
 * sampling, the queue, IndexedDB writes, Lit rendering; inference runs in the worker and is not
 * counted), TaskDuration is every main-thread task including layout and paint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeCameraFlags, launchChromium, startDevServer } from './lib/chromium';
import { writeWorldStream } from './lib/world-files';
import { TUNING_SEEDS } from '../src/world/seeds';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const seconds = Number(flag('seconds') ?? 90);
const backends = (flag('backends') ?? 'wasm,webgpu').split(',') as ('wasm' | 'webgpu')[];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};

interface BackendResult {
  backend: string;
  device: string;
  clips: number;
  delays: number[];
  scriptMsPerClip: number;
  taskMsPerClip: number;
  /** Main-thread tasks over 50 ms, in ms, from the first clip on. */
  longTasks: number[];
}

async function runBackend(url: string, y4m: string, backend: 'wasm' | 'webgpu'): Promise<BackendResult> {
  const { context, close } = await launchChromium({
    webgpu: backend === 'webgpu',
    extraArgs: fakeCameraFlags(y4m),
  });
  try {
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.locator('taskmem-agent').evaluate((el, device) => {
      el.setAttribute('device', device);
      el.setAttribute('db-name', `bench-app-${device}-${Date.now()}`);
    }, backend);
    // Record, for every memory, how far the stream had run when it became visible.
    await page.evaluate(`(() => {
      const el = document.querySelector('taskmem-agent');
      window.__delays = [];
      el.addEventListener('taskmem-memory', (e) => {
        const t1 = e.detail.t1;
        // visible = after the element's next render and paint
        el.updateComplete.then(() => requestAnimationFrame(() => {
          const now = el.controller.streamTime();
          if (now !== null) window.__delays.push(now - t1);
        }));
      });
    })()`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => {
      const { metrics: m } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return Object.fromEntries(m.map((x) => [x.name, x.value]));
    };
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: false });
    });
    await page.getByRole('button', { name: 'Webcam' }).click();
    const before = await metrics();
    const clips = Math.floor(seconds / 10);
    // A function, not a string: the page's CSP forbids the eval Playwright uses for string predicates.
    await page.waitForFunction((n) => ((window as unknown as { __delays?: number[] }).__delays?.length ?? 0) >= n, clips, { timeout: (seconds + 120) * 1000, polling: 500 });
    const after = await metrics();
    const device = await page.locator('taskmem-agent').evaluate((el) => (el as unknown as { controller: { state: { model: { device: string } } } }).controller.state.model.device);
    const delays = ((await page.evaluate('window.__delays')) as number[]).slice(0, clips);
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    await page.getByRole('button', { name: 'Stop' }).click();
    return {
      backend,
      device,
      clips: delays.length,
      delays,
      scriptMsPerClip: ((after.ScriptDuration! - before.ScriptDuration!) * 1000) / delays.length,
      taskMsPerClip: ((after.TaskDuration! - before.TaskDuration!) * 1000) / delays.length,
      longTasks,
    };
  } finally {
    await close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'taskmem-bench-app-'));
const { server, url } = await startDevServer();
try {
  await writeWorldStream({ seed: TUNING_SEEDS[0]!, outDir: dir, minutes: (seconds + 20) / 60, fps: 5 });
  const results: BackendResult[] = [];
  for (const b of backends) {
    process.stderr.write(`${b}: ${seconds} s of stream in real time...\n`);
    results.push(await runBackend(url, join(dir, 'stream.y4m'), b));
  }
  console.log(`bench:app (fixture, headless Chromium, fake webcam, 10 s clips, ${seconds} s per backend)`);
  console.log('| backend | in use | clips | clip end -> memory visible, median | p95 | main-thread script ms / clip | all main-thread tasks ms / clip | tasks over 50 ms | longest task |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results)
    console.log(`| ${r.backend} | ${r.device} | ${r.clips} | ${quantile(r.delays, 0.5).toFixed(2)} s | ${quantile(r.delays, 0.95).toFixed(2)} s | ${r.scriptMsPerClip.toFixed(1)} | ${r.taskMsPerClip.toFixed(1)} | ${r.longTasks.length} | ${r.longTasks.length ? `${Math.max(...r.longTasks).toFixed(0)} ms` : 'none'} |`);
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

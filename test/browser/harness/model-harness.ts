/**
 * Browser test harness: renders clips of a world stream in the page (same pure-TS renderer as
 * Node), memorizes them with the fixture in the inference worker, and publishes the result on
 * `window.__harness` for the Playwright test to compare with the Node run.
 */
import { InferenceClient } from '../../../src/worker/client';
import { FIXTURE_MODEL_ID } from '../../../src/memorize/registry';
import { clipFrameTimes } from '../../../src/memorize/frames';
import { simulateWorld } from '../../../src/world/simulate';
import { worldFrame } from '../../../src/world/render';

const params = new URLSearchParams(location.search);
const seed = Number(params.get('seed') ?? 1);
const clips = Number(params.get('clips') ?? 3);
const device = (params.get('device') ?? 'auto') as 'auto' | 'webgpu' | 'wasm';
const log = document.getElementById('log')!;

declare global {
  interface Window {
    __harness?: { ok: boolean; device?: string; notice?: string; memories?: string[]; error?: string; steer?: { layer: number; hiddenSize: number } | null };
  }
}

async function run() {
  const client = InferenceClient.create();
  const loaded = await client.load(FIXTURE_MODEL_ID, device);
  const world = simulateWorld({ seed, durationSeconds: clips * 10 });
  const memories: string[] = [];
  for (let c = 0; c < clips; c++) {
    const t0 = c * 10;
    const t1 = t0 + 10;
    const frames = clipFrameTimes(t0, t1, 3).map((t) => worldFrame(world, t));
    const result = await client.memorize({ streamId: `world-seed-${seed}`, clipIndex: c, t0, t1, frames });
    memories.push(result.ok ? result.memory.text : `(rejected: ${result.rejected.reason})`);
    log.textContent = memories.join('\n');
  }
  window.__harness = { ok: true, device: loaded.device, notice: loaded.notice, memories, steer: loaded.steer };
}

run().catch((e: unknown) => {
  window.__harness = { ok: false, error: e instanceof Error ? e.message : String(e) };
  log.textContent = String(e);
});

/**
 * The fixture loads through transformers.js in Chromium (inference worker, WASM and WebGPU via
 * SwiftShader) and writes the same memories as the Node run on the same frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { launchChromium, startDevServer } from './chromium';
import { useLocalModels } from '../../scripts/lib/node-models';
import { Vlm } from '../../src/memorize/vlm';
import { Memorizer } from '../../src/memorize/memorizer';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';
import { clipFrameTimes } from '../../src/memorize/frames';
import { simulateWorld } from '../../src/world/simulate';
import { worldFrame } from '../../src/world/render';

const SEED = 11;
const CLIPS = 3;
let server: ViteDevServer;
let url: string;
let nodeMemories: string[];

beforeAll(async () => {
  ({ server, url } = await startDevServer());
  useLocalModels();
  const spec = getModelSpec(FIXTURE_MODEL_ID);
  const vlm = await Vlm.load(spec);
  const memorizer = new Memorizer(vlm);
  const world = simulateWorld({ seed: SEED, durationSeconds: CLIPS * 10 });
  nodeMemories = [];
  for (let c = 0; c < CLIPS; c++) {
    const frames = clipFrameTimes(c * 10, c * 10 + 10, spec.frame.perClip).map((t) => worldFrame(world, t));
    const r = await memorizer.memorize({ streamId: `world-seed-${SEED}`, clipIndex: c, t0: c * 10, t1: c * 10 + 10, frames });
    nodeMemories.push(r.ok ? r.memory.text : `(rejected: ${r.rejected.reason})`);
  }
  await vlm.dispose();
});

afterAll(async () => {
  await server?.close();
});

async function runHarness(device: 'wasm' | 'webgpu') {
  const { context, close } = await launchChromium({ webgpu: device === 'webgpu' });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/test/browser/harness/model.html?seed=${SEED}&clips=${CLIPS}&device=${device}`);
    await page.waitForFunction(() => window.__harness !== undefined, null, { timeout: 240_000 });
    const result = await page.evaluate(() => window.__harness!);
    return { result, errors };
  } finally {
    await close();
  }
}

describe('fixture in Chromium', () => {
  it('runs on WASM in the worker and matches the Node memories', async () => {
    const { result, errors } = await runHarness('wasm');
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, device: 'wasm', steer: { layer: 1, hiddenSize: 128 } });
    expect(result.memories).toEqual(nodeMemories);
  });

  it('runs on WebGPU (SwiftShader) in the worker and matches the Node memories', async () => {
    const { result, errors } = await runHarness('webgpu');
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, device: 'webgpu', steer: { layer: 1, hiddenSize: 128 } });
    expect(result.memories).toEqual(nodeMemories);
  });
});

/**
 * Preview page: plays the synthetic demo stream and memorizes it clip by clip in the inference
 * worker with the offline fixture. Memory text is model output, so it is only ever set as text.
 */
import { InferenceClient } from './worker/client';
import { FIXTURE_MODEL_ID, getModelSpec } from './memorize/registry';
import { clipFrameTimes, } from './memorize/frames';
import { formatClock } from './memorize/prompt';
import { simulateWorld, stateAt } from './world/simulate';
import { renderFrame, roundTripYuv } from './world/render';
import { FRAME_HEIGHT, FRAME_WIDTH } from './world/types';

const DEMO_SEED = 7;
const CLIP_SECONDS = 10;
const CLIPS = 12;

const start = document.getElementById('start') as HTMLButtonElement;
const status = document.getElementById('status')!;
const list = document.getElementById('memories')!;
const canvas = document.getElementById('frame') as HTMLCanvasElement;
const ctx = canvas.getContext('2d')!;

function frameAt(world: ReturnType<typeof simulateWorld>, t: number) {
  return { width: FRAME_WIDTH, height: FRAME_HEIGHT, t, data: roundTripYuv(renderFrame(stateAt(world, t), FRAME_WIDTH, FRAME_HEIGHT)) };
}

function show(rgb: Uint8Array) {
  const img = ctx.createImageData(FRAME_WIDTH, FRAME_HEIGHT);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    img.data[j] = rgb[i];
    img.data[j + 1] = rgb[i + 1];
    img.data[j + 2] = rgb[i + 2];
    img.data[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function addMemory(t0: number, t1: number, text: string) {
  const li = document.createElement('li');
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = `${formatClock(t0)}-${formatClock(t1)}`;
  li.append(time, document.createTextNode(text));
  list.append(li);
}

start.addEventListener('click', async () => {
  start.disabled = true;
  const spec = getModelSpec(FIXTURE_MODEL_ID);
  const client = InferenceClient.create();
  try {
    status.textContent = 'Loading the fixture model…';
    const loaded = await client.load(spec.id, 'auto', (file, loadedBytes, total) => {
      status.textContent = `Loading ${file}: ${Math.round((100 * loadedBytes) / (total || 1))}%`;
    });
    status.textContent = `Running on ${loaded.device === 'webgpu' ? 'WebGPU' : 'WASM (CPU)'}. ${loaded.notice ?? ''}`;
    const world = simulateWorld({ seed: DEMO_SEED, durationSeconds: CLIPS * CLIP_SECONDS });
    for (let c = 0; c < CLIPS; c++) {
      const t0 = c * CLIP_SECONDS;
      const t1 = t0 + CLIP_SECONDS;
      const frames = clipFrameTimes(t0, t1, spec.frame.perClip).map((t) => frameAt(world, t));
      show(frames[frames.length - 1].data);
      const result = await client.memorize({ streamId: `demo-${DEMO_SEED}`, clipIndex: c, t0, t1, frames });
      if (result.ok) addMemory(t0, t1, result.memory.text);
      else addMemory(t0, t1, `(no memory: ${result.rejected.reason})`);
    }
    status.textContent = 'Demo stream finished.';
  } catch (e) {
    status.textContent = `Could not run the demo: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    client.terminate();
    start.disabled = false;
  }
});

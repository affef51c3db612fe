/**
 * Chromium's fake camera plays the world's y4m files: the frames the app grabs from it must be the
 * pixels Node decodes from the same file (and the fixture was trained on). Chromium reads y4m as
 * BT.601 limited range; a full-range file came out with a background of 17 instead of 30.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import { fakeCameraFlags, launchChromium, startDevServer } from './chromium';
import { writeWorldStream } from '../../scripts/lib/world-files';
import { Y4mReader } from '../../src/capture/y4m';

let server: ViteDevServer;
let url: string;
let dir: string;

beforeAll(async () => {
  ({ server, url } = await startDevServer());
  dir = mkdtempSync(join(tmpdir(), 'taskmem-camera-'));
  await writeWorldStream({ seed: 9, outDir: dir, minutes: 1, fps: 5 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fake camera', () => {
  it('delivers the pixels Node decodes from the same y4m file', async () => {
    const file = join(dir, 'stream.y4m');
    const { context, close } = await launchChromium({
      extraArgs: fakeCameraFlags(file),
    });
    try {
      const page = await context.newPage();
      await page.goto(`${url}/`);
      // The first second of the stream is one still scene (events never fall in it), so any frame
      // grabbed in it is the frame at t = 0.
      const grabbed = (await page.evaluate(`(async () => {
        const stream = await navigator.mediaDevices.getUserMedia({ video: true });
        const video = document.createElement('video');
        video.muted = true;
        video.srcObject = stream;
        await video.play();
        const canvas = document.createElement('canvas');
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        const g = canvas.getContext('2d');
        g.drawImage(video, 0, 0);
        stream.getTracks().forEach((t) => t.stop());
        return { width: canvas.width, height: canvas.height, rgba: Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data) };
      })()`)) as { width: number; height: number; rgba: number[] };
      const node = new Y4mReader(readFileSync(file)).frameAt(0);
      expect([grabbed.width, grabbed.height]).toEqual([node.width, node.height]);
      let diff = 0;
      for (let i = 0; i < node.width * node.height; i++) for (let c = 0; c < 3; c++) diff += Math.abs(grabbed.rgba[i * 4 + c]! - node.data[i * 3 + c]!);
      expect(diff / (node.width * node.height * 3)).toBeLessThan(1);
    } finally {
      await close();
    }
  });
});

/**
 * Frames for Node runs of a manifest: pre-extracted PNG frames when the manifest lists them and
 * one exists for the time asked, otherwise the .y4m video. Other video containers need a browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { Y4mReader } from '../../src/capture/y4m';
import type { RgbFrame } from '../../src/memorize/types';
import { clipFrameTimes } from '../../src/memorize/frames';
import type { LoadedManifest } from './load-manifest';

export interface FrameSource {
  frameAt(t: number): Promise<RgbFrame>;
}

/** The frames of a manifest's stream: its pre-extracted frames where it lists them, else its video. */
export function openManifestFrames(manifest: LoadedManifest): FrameSource {
  return openFrameSource(manifest.video.absolutePath, manifest.frames && manifest.framesDir ? { dir: manifest.framesDir, everySeconds: manifest.frames.everySeconds } : undefined);
}

/** A clip's frames, as the memorizer takes them: `count` evenly spaced over [t0, t1]. */
export function clipFramesOf(source: FrameSource, t0: number, t1: number, count: number): Promise<RgbFrame[]> {
  return Promise.all(clipFrameTimes(t0, t1, count).map((t) => source.frameAt(t)));
}

export function openFrameSource(videoPath: string, frames?: { dir: string; everySeconds: number }): FrameSource {
  let reader: Y4mReader | null = null;
  const y4m = () => {
    if (!reader) {
      if (extname(videoPath).toLowerCase() !== '.y4m')
        throw new Error(`Node runs decode .y4m video only (got ${videoPath}); give the manifest pre-extracted frames or run it in the browser`);
      reader = new Y4mReader(readFileSync(videoPath));
    }
    return reader;
  };
  const pngFor = (t: number) => {
    if (!frames) return null;
    const k = t / frames.everySeconds;
    if (Math.abs(k - Math.round(k)) > 1e-6) return null;
    const p = join(frames.dir, `t${String(Math.round(t)).padStart(4, '0')}.png`);
    return existsSync(p) ? p : null;
  };
  return {
    async frameAt(t: number) {
      const png = pngFor(t);
      if (png) {
        const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, data: new Uint8Array(data), t };
      }
      return y4m().frameAt(t);
    },
  };
}

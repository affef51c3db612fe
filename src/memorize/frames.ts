/** Frame geometry helpers: every model has a native input size, and frames are fitted to it. */
import type { RgbFrame } from './types';

/**
 * Resize to exactly width x height with area averaging (downscale) or bilinear (upscale),
 * letterboxing to keep the aspect ratio; the fill is the synthetic world's background so
 * letterbox bars read as empty scene.
 */
export function fitFrame(frame: RgbFrame, width: number, height: number, fill = [30, 34, 40]): RgbFrame {
  if (frame.width === width && frame.height === height) return frame;
  const scale = Math.min(width / frame.width, height / frame.height);
  const w = Math.max(1, Math.round(frame.width * scale));
  const h = Math.max(1, Math.round(frame.height * scale));
  const ox = Math.floor((width - w) / 2);
  const oy = Math.floor((height - h) / 2);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) out.set(fill, i * 3);
  const sx = frame.width / w;
  const sy = frame.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = y * sy;
    const y1 = Math.max(y0 + 1e-6, (y + 1) * sy);
    for (let x = 0; x < w; x++) {
      const x0 = x * sx;
      const x1 = Math.max(x0 + 1e-6, (x + 1) * sx);
      const acc = [0, 0, 0];
      let wsum = 0;
      for (let yy = Math.floor(y0); yy < Math.ceil(y1) && yy < frame.height; yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.ceil(x1) && xx < frame.width; xx++) {
          const wgt = wy * (Math.min(x1, xx + 1) - Math.max(x0, xx));
          const p = (yy * frame.width + xx) * 3;
          acc[0] += frame.data[p] * wgt;
          acc[1] += frame.data[p + 1] * wgt;
          acc[2] += frame.data[p + 2] * wgt;
          wsum += wgt;
        }
      }
      const q = ((oy + y) * width + ox + x) * 3;
      for (let c = 0; c < 3; c++) out[q + c] = Math.round(acc[c] / (wsum || 1));
    }
  }
  return { width, height, data: out, t: frame.t };
}

/**
 * For each time, the latest frame at or before it (or the first frame when none is that early),
 * re-stamped with that time: an unchanged scene's earlier frame stands for it.
 */
export function framesAt(pool: RgbFrame[], times: number[]): RgbFrame[] {
  return times.map((t) => {
    let best = pool[0];
    for (const f of pool) if (f.t <= t + 1e-9) best = f;
    return { ...best, t };
  });
}

/** The times at which a clip's frames are taken: evenly spaced over [t0, t1], both ends included. */
export function clipFrameTimes(t0: number, t1: number, count: number): number[] {
  if (count <= 1) return [t1];
  return Array.from({ length: count }, (_, i) => t0 + ((t1 - t0) * i) / (count - 1));
}

/**
 * Which of a clip's frames go into each image the model takes. With one frame per image every frame
 * is its own image. With two, consecutive frames share one image as its two temporal slices
 * (Qwen-VL's temporal_patch_size 2, the way it encodes video), so the patch embedding sees each
 * change directly: frames [a, b, c] become the images [a, b] and [b, c]; a lone frame is a still.
 */
export function imageFrameGroups(frameCount: number, framesPerImage: 1 | 2): number[][] {
  if (framesPerImage === 1 || frameCount <= 1) return Array.from({ length: frameCount }, (_, i) => [i]);
  return Array.from({ length: frameCount - 1 }, (_, i) => [i, i + 1]);
}

/** How many image slots a prompt needs for a clip of frameCount frames. */
export function imageCount(frameCount: number, framesPerImage: 1 | 2 = 1): number {
  return imageFrameGroups(frameCount, framesPerImage).length;
}

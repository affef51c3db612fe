/**
 * I420 (YUV 4:2:0) <-> RGB, BT.601 limited ("studio") range: Y in 16-235, chroma in 16-240. The one
 * conversion used by the world's video writer, the y4m reader and the fixture's training frames.
 * Limited range because that is what Chromium assumes for its fake camera's y4m file: with full
 * range, the app saw a background of 17 where Node read 30, and the fixture saw a scene it was not
 * trained on. This way the camera, Node and training see the same pixels (up to rounding).
 */

const Y_SCALE = 219 / 255;
const C_SCALE = 224 / 255;

export function i420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export function rgbToI420(rgb: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const out = new Uint8Array(i420Size(width, height));
  const uBase = width * height;
  const vBase = uBase + cw * ch;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      out[y * width + x] = clamp(16 + Y_SCALE * (0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2]));
    }
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let u = 0;
      let v = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const x = cx * 2 + dx;
          const y = cy * 2 + dy;
          if (x >= width || y >= height) continue;
          const o = (y * width + x) * 3;
          const r = rgb[o];
          const g = rgb[o + 1];
          const b = rgb[o + 2];
          u += -0.168736 * r - 0.331264 * g + 0.5 * b;
          v += 0.5 * r - 0.418688 * g - 0.081312 * b;
          n++;
        }
      }
      out[uBase + cy * cw + cx] = clamp(128 + (C_SCALE * u) / n);
      out[vBase + cy * cw + cx] = clamp(128 + (C_SCALE * v) / n);
    }
  }
  return out;
}

export type ColorRange = 'limited' | 'full';

export function i420ToRgb(yuv: Uint8Array, width: number, height: number, offset = 0, range: ColorRange = 'limited'): Uint8Array {
  const [y0, ys, cs] = range === 'full' ? [0, 1, 1] : [16, Y_SCALE, C_SCALE];
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const uBase = offset + width * height;
  const vBase = uBase + cw * ch;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const Y = (yuv[offset + y * width + x] - y0) / ys;
      const ci = (y >> 1) * cw + (x >> 1);
      const U = (yuv[uBase + ci] - 128) / cs;
      const V = (yuv[vBase + ci] - 128) / cs;
      const o = (y * width + x) * 3;
      out[o] = clamp(Y + 1.402 * V);
      out[o + 1] = clamp(Y - 0.344136 * U - 0.714136 * V);
      out[o + 2] = clamp(Y + 1.772 * U);
    }
  }
  return out;
}

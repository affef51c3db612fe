/**
 * Renders a world state to RGB pixels: a 3x3 grid of cells, each holding at most one shape with its
 * label underneath. Integer geometry and a bitmap font make the output identical in every runtime.
 */
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from './font';
import { i420ToRgb, rgbToI420 } from '../capture/yuv';
import { FRAME_HEIGHT, FRAME_WIDTH, POSITIONS, type Color, type EventLog, type Shape, type VisibleObject } from './types';
import { stateAt } from './simulate';

export const BACKGROUND: readonly [number, number, number] = [30, 34, 40];
export const LABEL_RGB: readonly [number, number, number] = [205, 205, 205];
export const COLOR_RGB: Record<Color, readonly [number, number, number]> = {
  red: [220, 50, 50],
  orange: [245, 140, 30],
  yellow: [235, 215, 40],
  green: [60, 190, 80],
  blue: [60, 110, 235],
  purple: [160, 80, 210],
  pink: [245, 130, 190],
  white: [240, 240, 240],
};

export interface CellRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function cellRect(position: VisibleObject['position'], width: number, height: number): CellRect {
  const i = POSITIONS.indexOf(position);
  const col = i % 3;
  const row = Math.floor(i / 3);
  return {
    x0: Math.round((col * width) / 3),
    x1: Math.round(((col + 1) * width) / 3),
    y0: Math.round((row * height) / 3),
    y1: Math.round(((row + 1) * height) / 3),
  };
}

/** Does the pixel at offset (dx, dy) from the shape's centre belong to a shape of side `s`? */
function inside(shape: Shape, dx: number, dy: number, s: number): boolean {
  const r = s / 2;
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r && Math.abs(dy) <= r;
    case 'triangle': {
      if (Math.abs(dy) > r) return false;
      const fromTop = dy + r;
      return Math.abs(dx) <= (fromTop / s) * r;
    }
    case 'diamond':
      return Math.abs(dx) + Math.abs(dy) <= r;
    case 'cross': {
      const arm = s / 6;
      return Math.abs(dx) <= r && Math.abs(dy) <= r && (Math.abs(dx) <= arm || Math.abs(dy) <= arm);
    }
    case 'ring': {
      const d2 = dx * dx + dy * dy;
      const inner = r - Math.max(2, r / 2.5);
      return d2 <= r * r && d2 >= inner * inner;
    }
  }
}

export function renderFrame(objects: readonly VisibleObject[], width = FRAME_WIDTH, height = FRAME_HEIGHT): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) px.set(BACKGROUND, i * 3);
  const scale = width / FRAME_WIDTH;
  const put = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    px.set(rgb, (y * width + x) * 3);
  };
  const shapeBox = Math.round(24 * scale);
  const textScale = Math.max(1, Math.round(2 * scale));
  for (const o of objects) {
    const cell = cellRect(o.position, width, height);
    const s = Math.round((o.size === 'large' ? 24 : 14) * scale);
    const cx = (cell.x0 + cell.x1) / 2;
    const cy = cell.y0 + Math.round(2 * scale) + shapeBox / 2;
    const rgb = COLOR_RGB[o.color];
    for (let y = Math.floor(cy - s / 2) - 1; y <= Math.ceil(cy + s / 2) + 1; y++)
      for (let x = Math.floor(cx - s / 2) - 1; x <= Math.ceil(cx + s / 2) + 1; x++)
        if (inside(o.shape, x + 0.5 - cx, y + 0.5 - cy, s)) put(x, y, rgb);
    const label = [...o.label];
    const top = cell.y0 + Math.round(4 * scale) + shapeBox;
    let left = Math.round(cx - textWidth(o.label, textScale) / 2);
    for (const ch of label) {
      const rows = glyph(ch);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++)
        for (let gx = 0; gx < GLYPH_WIDTH; gx++)
          if (rows[gy] & (1 << (GLYPH_WIDTH - 1 - gx)))
            for (let sy = 0; sy < textScale; sy++)
              for (let sx = 0; sx < textScale; sx++) put(left + gx * textScale + sx, top + gy * textScale + sy, LABEL_RGB);
      left += (GLYPH_WIDTH + 1) * textScale;
    }
  }
  return px;
}

export const rgbToYuv420 = rgbToI420;
export const yuv420ToRgb = (yuv: Uint8Array, width: number, height: number) => i420ToRgb(yuv, width, height);

/** What a viewer of the y4m video (Chromium's fake camera included) sees: 4:2:0 chroma. */
export function roundTripYuv(rgb: Uint8Array, width = FRAME_WIDTH, height = FRAME_HEIGHT): Uint8Array {
  return i420ToRgb(rgbToI420(rgb, width, height), width, height);
}

/** The frame a camera pointed at the world shows at time t (what the fixture was trained on). */
export function worldFrame(log: EventLog, t: number, width = FRAME_WIDTH, height = FRAME_HEIGHT): { width: number; height: number; t: number; data: Uint8Array } {
  return { width, height, t, data: roundTripYuv(renderFrame(stateAt(log, t), width, height), width, height) };
}

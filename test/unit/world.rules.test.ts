/**
 * Stricter checks of the world's rules and renderer than world.test.ts: each simulation rule is
 * written out here (not read from the module), so weakening one fails a test.
 */
import { describe, expect, it } from 'vitest';
import { simulateWorld, stateAt } from '../../src/world/simulate';
import { renderFrame, roundTripYuv, rgbToYuv420, yuv420ToRgb, cellRect, COLOR_RGB, LABEL_RGB, BACKGROUND } from '../../src/world/render';
import { COLORS, FRAME_HEIGHT as H, FRAME_WIDTH as W, POSITIONS, SHAPES, SIZES, type EventLog, type VisibleObject } from '../../src/world/types';

/** The rules written out here, not read from the module, so a weakened rule fails the tests. */
const MAX_VISIBLE = 4;

interface SlotRules {
  slotSeconds: number;
  minEventGap: number;
  minLifetime: number;
}

/** Checks every rule that lets a model sampling every `slotSeconds` see each event; returns slot counts. */
function checkRules(log: EventLog, { slotSeconds, minEventGap, minLifetime }: SlotRules): Map<number, number> {
  const eps = 1e-9;
  const last = new Map<string, number>();
  const appeared = new Map<string, number>();
  const perSlot = new Map<number, number>();
  expect(log.events.map((e) => e.t)).toEqual([...log.events.map((e) => e.t)].sort((a, b) => a - b));
  for (const e of log.events) {
    expect(Math.round(e.t * 10) / 10).toBe(e.t);
    expect(e.t).toBeLessThan(log.durationSeconds);
    const inSlot = e.t % slotSeconds;
    expect(inSlot).toBeGreaterThanOrEqual(1 - eps);
    expect(inSlot).toBeLessThanOrEqual(slotSeconds - 1 + eps);
    const slot = Math.floor(e.t / slotSeconds);
    perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    if (last.has(e.label)) expect(e.t - last.get(e.label)!).toBeGreaterThanOrEqual(minEventGap - eps);
    last.set(e.label, e.t);
    const before = stateAt(log, e.t - 0.05);
    const self = before.find((o) => o.label === e.label);
    const occupied = new Set(before.map((o) => o.position));
    switch (e.type) {
      case 'appear':
        expect(appeared.has(e.label)).toBe(false); // labels are never reused
        expect(occupied.has(e.position)).toBe(false);
        appeared.set(e.label, e.t);
        break;
      case 'move':
        expect(self?.position).toBe(e.from);
        expect(e.to).not.toBe(e.from);
        expect(occupied.has(e.to)).toBe(false);
        break;
      case 'recolor':
        expect(self?.color).toBe(e.from);
        expect(e.to).not.toBe(e.from);
        break;
      case 'leave':
        expect(self?.position).toBe(e.position);
        expect(e.t - appeared.get(e.label)!).toBeGreaterThanOrEqual(minLifetime - eps);
        break;
    }
    const after = stateAt(log, e.t);
    expect(after.length).toBeLessThanOrEqual(MAX_VISIBLE);
    expect(new Set(after.map((o) => o.position)).size).toBe(after.length);
  }
  for (const n of perSlot.values()) expect(n).toBeLessThanOrEqual(2);
  // Every event shows as a difference between the sampled frames around it.
  for (const e of log.events) {
    const k = Math.floor(e.t / slotSeconds) * slotSeconds;
    expect(JSON.stringify(stateAt(log, k))).not.toBe(JSON.stringify(stateAt(log, k + slotSeconds)));
  }
  return perSlot;
}

describe('world simulation rules', () => {
  it('keeps every rule that makes events visible at 5-second sampling, over many seeds', () => {
    const slotCounts = [0, 0, 0];
    const kinds = new Map<string, number>();
    for (let seed = 1; seed <= 60; seed++) {
      const log = simulateWorld({ seed, durationSeconds: 300 });
      expect(log.events.length).toBeGreaterThan(20);
      const perSlot = checkRules(log, { slotSeconds: 5, minEventGap: 6, minLifetime: 15 });
      for (let slot = 0; slot < 60; slot++) slotCounts[perSlot.get(slot) ?? 0]++;
      for (const e of log.events) kinds.set(e.type, (kinds.get(e.type) ?? 0) + 1);
      for (const o of log.objects) {
        expect(o.label).toMatch(/^[A-Z0-9]{1,4}$/);
        expect(COLORS).toContain(o.color);
        expect(SHAPES).toContain(o.shape);
        expect(SIZES).toContain(o.size);
      }
    }
    // Busy and quiet slots both occur; every kind of event is common.
    expect(Math.min(...slotCounts)).toBeGreaterThan(300);
    const total = [...kinds.values()].reduce((a, b) => a + b, 0);
    for (const k of ['appear', 'move', 'recolor', 'leave']) expect(kinds.get(k)! / total).toBeGreaterThan(0.1);
  });
});

describe('renderer layout', () => {
  const kiwi: VisibleObject = { label: 'KIWI', shape: 'square', size: 'large', color: 'red', position: 'bottom right' };

  it('fits every shape, size and a 4-character label inside its own cell, label centred under the shape', () => {
    for (const position of POSITIONS) {
      for (const shape of SHAPES) {
        for (const size of SIZES) {
          const px = renderFrame([{ label: 'WWWW', shape, size, color: 'white', position }]);
          const cell = cellRect(position, W, H);
          const shapeRows: number[] = [];
          const labelXs: number[] = [];
          const labelRows: number[] = [];
          const shapeXs: number[] = [];
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const p = Array.from(px.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)).join();
              if (p === BACKGROUND.join()) continue;
              expect(x >= cell.x0 && x < cell.x1 && y >= cell.y0 && y < cell.y1).toBe(true);
              if (p === LABEL_RGB.join()) (labelXs.push(x), labelRows.push(y));
              else (shapeXs.push(x), shapeRows.push(y));
            }
          }
          expect(Math.max(...labelXs) - Math.min(...labelXs) + 1).toBe(46);
          expect(Math.min(...labelRows)).toBeGreaterThanOrEqual(Math.max(...shapeRows) + 2);
          const mid = (xs: number[]) => (Math.min(...xs) + Math.max(...xs)) / 2;
          expect(Math.abs(mid(labelXs) - mid(shapeXs))).toBeLessThanOrEqual(1);
          expect(Math.abs(mid(shapeXs) - (cell.x0 + cell.x1 - 1) / 2)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('draws each shape and size as a different mask', () => {
    const masks = new Set<string>();
    for (const shape of SHAPES)
      for (const size of SIZES) {
        const px = renderFrame([{ label: '', shape, size, color: 'white', position: 'center' }]);
        masks.add(Array.from({ length: W * H }, (_, i) => (px[i * 3] === BACKGROUND[0] ? 0 : 1)).join(''));
      }
    expect(masks.size).toBe(SHAPES.length * SIZES.length);
  });

  it('scales with the frame size', () => {
    const px = renderFrame([kiwi], 2 * W, 2 * H);
    const cell = cellRect('bottom right', 2 * W, 2 * H);
    const cx = Math.floor((cell.x0 + cell.x1) / 2);
    const at = (x: number, y: number) => Array.from(px.subarray((y * 2 * W + x) * 3, (y * 2 * W + x) * 3 + 3));
    expect(at(cx, cell.y0 + 28)).toEqual([...COLOR_RGB.red]);
    expect(at(cx - 25, cell.y0 + 28)).toEqual([...BACKGROUND]); // a large shape is 48 px wide at 2x
  });

  it('keeps flat colours through the 4:2:0 round trip', () => {
    for (const color of COLORS) {
      const px = renderFrame([{ ...kiwi, color }]);
      const rt = roundTripYuv(px);
      const cell = cellRect('bottom right', W, H);
      // the inner 16x16 of the 24 px square and a background patch are flat in every 2x2 chroma block
      const cx = Math.floor((cell.x0 + cell.x1) / 2);
      const patches = [[cx - 8, cell.y0 + 6], [0, 0]];
      for (const [x0, y0] of patches)
        for (let y = y0; y < y0 + 16; y++)
          for (let x = x0; x < x0 + 16; x++)
            for (let c = 0; c < 3; c++) {
              const o = (y * W + x) * 3 + c;
              expect(Math.abs(rt[o] - px[o])).toBeLessThanOrEqual(2);
            }
    }
    expect(yuv420ToRgb(rgbToYuv420(renderFrame([kiwi]), W, H), W, H)).toEqual(roundTripYuv(renderFrame([kiwi])));
  });
});

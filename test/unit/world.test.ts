import { describe, expect, it } from 'vitest';
import { simulateWorld, stateAt, MAX_VISIBLE, MIN_EVENT_GAP, MIN_LIFETIME } from '../../src/world/simulate';
import { renderFrame, roundTripYuv, cellRect, COLOR_RGB, LABEL_RGB, BACKGROUND } from '../../src/world/render';
import { y4mFrame, y4mHeader } from '../../src/world/y4m';
import { Y4mReader } from '../../src/capture/y4m';
import { FRAME_HEIGHT as H, FRAME_WIDTH as W, type VisibleObject } from '../../src/world/types';

describe('world simulation', () => {
  it('is deterministic by seed and differs between seeds', () => {
    expect(simulateWorld({ seed: 42, durationSeconds: 180 })).toEqual(simulateWorld({ seed: 42, durationSeconds: 180 }));
    expect(simulateWorld({ seed: 42, durationSeconds: 180 }).events).not.toEqual(simulateWorld({ seed: 43, durationSeconds: 180 }).events);
  });

  it('keeps every rule that makes events visible at 5-second sampling, over many seeds', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const log = simulateWorld({ seed, durationSeconds: 300 });
      expect(log.events.length).toBeGreaterThan(20);
      const last = new Map<string, number>();
      const appeared = new Map<string, number>();
      const perSlot = new Map<number, number>();
      for (const e of log.events) {
        const inSlot = e.t % 5;
        expect(inSlot).toBeGreaterThanOrEqual(1 - 1e-9);
        expect(inSlot).toBeLessThanOrEqual(4 + 1e-9);
        const slot = Math.floor(e.t / 5);
        perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
        if (last.has(e.label)) expect(e.t - last.get(e.label)!).toBeGreaterThanOrEqual(MIN_EVENT_GAP - 1e-9);
        last.set(e.label, e.t);
        if (e.type === 'appear') {
          expect(appeared.has(e.label)).toBe(false); // labels are never reused
          appeared.set(e.label, e.t);
        }
        if (e.type === 'leave') expect(e.t - appeared.get(e.label)!).toBeGreaterThanOrEqual(MIN_LIFETIME - 1e-9);
        const state = stateAt(log, e.t);
        expect(state.length).toBeLessThanOrEqual(MAX_VISIBLE);
        expect(new Set(state.map((o) => o.position)).size).toBe(state.length);
      }
      for (const n of perSlot.values()) expect(n).toBeLessThanOrEqual(2);
      expect(log.events.map((e) => e.t)).toEqual([...log.events.map((e) => e.t)].sort((a, b) => a - b));
    }
  });

  it('applies events in order in stateAt', () => {
    const log = simulateWorld({ seed: 5, durationSeconds: 120 });
    const move = log.events.find((e) => e.type === 'move')!;
    if (move.type !== 'move') throw new Error('no move');
    expect(stateAt(log, move.t - 0.5).find((o) => o.label === move.label)!.position).toBe(move.from);
    expect(stateAt(log, move.t).find((o) => o.label === move.label)!.position).toBe(move.to);
  });
});

describe('renderer', () => {
  const kiwi: VisibleObject = { label: 'KIWI', shape: 'square', size: 'large', color: 'red', position: 'bottom right' };

  it('draws the shape in its cell and the label under it, nothing elsewhere', () => {
    const px = renderFrame([kiwi]);
    const at = (x: number, y: number) => Array.from(px.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    const cell = cellRect('bottom right', W, H);
    const cx = Math.floor((cell.x0 + cell.x1) / 2);
    expect(at(cx, cell.y0 + 14)).toEqual([...COLOR_RGB.red]);
    let labelPixels = 0;
    for (let y = cell.y0 + 28; y < cell.y1; y++) for (let x = cell.x0; x < cell.x1; x++) if (at(x, y).join() === LABEL_RGB.join()) labelPixels++;
    expect(labelPixels).toBeGreaterThan(60);
    const other = cellRect('top left', W, H);
    for (let y = other.y0; y < other.y1; y++) for (let x = other.x0; x < other.x1; x++) expect(at(x, y)).toEqual([...BACKGROUND]);
  });

  it('is byte-identical for the same state and differs for another colour or label', () => {
    expect(renderFrame([kiwi])).toEqual(renderFrame([kiwi]));
    expect(renderFrame([kiwi])).not.toEqual(renderFrame([{ ...kiwi, color: 'blue' }]));
    expect(renderFrame([kiwi])).not.toEqual(renderFrame([{ ...kiwi, label: 'KIWA' }]));
  });

  it('keeps flat colours through the 4:2:0 round trip', () => {
    const px = renderFrame([kiwi]);
    const rt = roundTripYuv(px);
    const cell = cellRect('bottom right', W, H);
    const o = ((cell.y0 + 14) * W + Math.floor((cell.x0 + cell.x1) / 2)) * 3;
    for (let c = 0; c < 3; c++) expect(Math.abs(rt[o + c] - px[o + c])).toBeLessThanOrEqual(3);
  });
});

describe('y4m', () => {
  it('writes a header and frames the reader decodes to the round-tripped pixels', () => {
    const a = renderFrame([{ label: 'BOLT', shape: 'ring', size: 'small', color: 'green', position: 'center' }]);
    const b = renderFrame([]);
    const header = y4mHeader(W, H, 5);
    expect(new TextDecoder().decode(header)).toBe(`YUV4MPEG2 W${W} H${H} F5:1 Ip A1:1 C420jpeg XCOLORRANGE=LIMITED\n`);
    const bytes = new Uint8Array([...header, ...y4mFrame(a, W, H), ...y4mFrame(b, W, H)]);
    expect(y4mFrame(a, W, H).length).toBe(6 + W * H * 1.5);
    const reader = new Y4mReader(bytes);
    expect(reader.info).toMatchObject({ width: W, height: H, fps: 5, frameCount: 2, durationSeconds: 0.4 });
    expect(reader.frameAt(0).data).toEqual(roundTripYuv(a));
    expect(reader.frameAt(0.2).data).toEqual(roundTripYuv(b));
  });

  it('decodes limited range unless the file says XCOLORRANGE=FULL (as ffmpeg marks full-range video)', () => {
    const plane = (y: number) => new Uint8Array([...new TextEncoder().encode('FRAME\n'), y, y, y, y, 128, 128]);
    const file = (extra: string, y: number) => new Uint8Array([...new TextEncoder().encode(`YUV4MPEG2 W2 H2 F5:1 C420jpeg${extra}\n`), ...plane(y)]);
    expect(Array.from(new Y4mReader(file('', 16)).frameAt(0).data.slice(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(new Y4mReader(file('', 235)).frameAt(0).data.slice(0, 3))).toEqual([255, 255, 255]);
    expect(Array.from(new Y4mReader(file(' XCOLORRANGE=FULL', 16)).frameAt(0).data.slice(0, 3))).toEqual([16, 16, 16]);
  });

  it('refuses files that are not 4:2:0 y4m', () => {
    expect(() => new Y4mReader(new TextEncoder().encode('RIFF....'))).toThrow(/not a y4m file/);
    expect(() => new Y4mReader(new TextEncoder().encode('YUV4MPEG2 W4 H4 F5:1 C444\n'))).toThrow(/unsupported y4m colour space/);
  });
});

/**
 * Reads YUV4MPEG2 (.y4m) streams, the format Chromium's fake camera plays, so Node runs and the
 * browser demo can decode the same bytes. Only 4:2:0 8-bit progressive is supported, which is what
 * the world generator writes.
 */
import type { RgbFrame } from '../memorize/types';
import { i420Size, i420ToRgb, type ColorRange } from './yuv';

export interface Y4mInfo {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  durationSeconds: number;
}

export class Y4mError extends Error {}

export class Y4mReader {
  readonly info: Y4mInfo;
  private readonly offsets: number[] = [];
  private readonly frameBytes: number;
  /** ffmpeg marks full-range files XCOLORRANGE=FULL; anything else is limited, as Chromium assumes. */
  readonly range: ColorRange;

  constructor(private readonly bytes: Uint8Array) {
    const headerEnd = bytes.indexOf(0x0a);
    if (headerEnd < 0) throw new Y4mError('not a y4m file: no header line');
    const header = new TextDecoder().decode(bytes.subarray(0, headerEnd));
    if (!header.startsWith('YUV4MPEG2 ')) throw new Y4mError('not a y4m file: missing YUV4MPEG2 signature');
    const params = new Map(header.split(' ').slice(1).map((p) => [p[0], p.slice(1)] as const));
    const width = Number(params.get('W'));
    const height = Number(params.get('H'));
    const [num, den] = (params.get('F') ?? '25:1').split(':').map(Number);
    const colour = params.get('C') ?? '420jpeg';
    if (!(width > 0 && height > 0)) throw new Y4mError('y4m header lacks a valid W/H');
    if (!colour.startsWith('420')) throw new Y4mError(`unsupported y4m colour space C${colour} (only 4:2:0)`);
    if (params.get('I') && params.get('I') !== 'p') throw new Y4mError('interlaced y4m is not supported');
    this.range = header.split(' ').includes('XCOLORRANGE=FULL') ? 'full' : 'limited';
    this.frameBytes = i420Size(width, height);
    let pos = headerEnd + 1;
    while (pos < bytes.length) {
      const lineEnd = bytes.indexOf(0x0a, pos);
      if (lineEnd < 0 || bytes[pos] !== 0x46 /* F */) throw new Y4mError(`corrupt y4m frame header at byte ${pos}`);
      const start = lineEnd + 1;
      if (start + this.frameBytes > bytes.length) break; // a truncated last frame is dropped
      this.offsets.push(start);
      pos = start + this.frameBytes;
    }
    const fps = num / (den || 1);
    this.info = { width, height, fps, frameCount: this.offsets.length, durationSeconds: this.offsets.length / fps };
  }

  /** The frame shown at stream time t (clamped to the stream). */
  frameAt(t: number): RgbFrame {
    if (!this.offsets.length) throw new Y4mError('the y4m stream has no frames');
    const index = Math.min(this.offsets.length - 1, Math.max(0, Math.round(t * this.info.fps)));
    return { ...this.decode(index), t };
  }

  decode(index: number): RgbFrame {
    const { width, height } = this.info;
    return { width, height, data: i420ToRgb(this.bytes, width, height, this.offsets[index], this.range), t: index / this.info.fps };
  }
}

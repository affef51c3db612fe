/**
 * Turns a stream of frames (any rate) into clips for the memorizer: frames are taken at a
 * configurable rate, near-duplicates are skipped with a scene-change test on a tiny grey thumbnail,
 * and every `clipSeconds` of stream time a clip is cut with the model's frames-per-clip chosen
 * evenly over it (a skipped duplicate stands in for its unchanged predecessor).
 */
import type { Clip, RgbFrame } from '../memorize/types';
import { clipFrameTimes, framesAt } from '../memorize/frames';

export interface SamplerOptions {
  streamId: string;
  clipSeconds: number;
  framesPerClip: number;
  /** Minimum seconds between kept frames. */
  sampleEverySeconds: number;
  /** Mean absolute grey-level difference (0-255) below which a frame counts as unchanged. */
  sceneChangeThreshold: number;
}

/**
 * Why sampling slows down. Hidden: the user is not looking at this tab, but a shared screen or a
 * camera still shows the world, so sampling goes on at a quarter of the rate instead of stopping
 * (a memory of what happened meanwhile is the point of the app). Behind: memorization cannot keep
 * up; more frames would only be merged away by the clip queue, so each frame grabbed costs capture
 * time for nothing.
 */
export interface SamplingPressure {
  hidden: boolean;
  /** Clips waiting in the clip queue, and its capacity. */
  waiting: number;
  capacity: number;
}

export const HIDDEN_SLOWDOWN = 4;

/** Seconds between kept frames under `pressure`, from the normal `everySeconds`. */
export function samplingInterval(everySeconds: number, pressure: SamplingPressure): { everySeconds: number; reasons: ('hidden' | 'behind')[] } {
  const reasons: ('hidden' | 'behind')[] = [];
  let factor = 1;
  if (pressure.hidden) {
    factor *= HIDDEN_SLOWDOWN;
    reasons.push('hidden');
  }
  // Half full: half the rate; one clip short of merging: a quarter.
  const behind = pressure.waiting >= pressure.capacity - 1 ? 4 : pressure.waiting >= Math.ceil(pressure.capacity / 2) ? 2 : 1;
  if (behind > 1) {
    factor *= behind;
    reasons.push('behind');
  }
  return { everySeconds: everySeconds * factor, reasons };
}

export const DEFAULT_SAMPLER: Omit<SamplerOptions, 'streamId' | 'framesPerClip'> = {
  clipSeconds: 10,
  sampleEverySeconds: 1,
  sceneChangeThreshold: 1.5,
};

const THUMB = 16;

/** 16x16 grey thumbnail: cheap enough to run on every captured frame. */
export function greyThumbnail(frame: RgbFrame): Float32Array {
  const out = new Float32Array(THUMB * THUMB);
  const counts = new Uint16Array(THUMB * THUMB);
  const { width, height, data } = frame;
  const stepX = Math.max(1, Math.floor(width / (THUMB * 4)));
  const stepY = Math.max(1, Math.floor(height / (THUMB * 4)));
  for (let y = 0; y < height; y += stepY) {
    const ty = Math.min(THUMB - 1, Math.floor((y * THUMB) / height));
    for (let x = 0; x < width; x += stepX) {
      const tx = Math.min(THUMB - 1, Math.floor((x * THUMB) / width));
      const o = (y * width + x) * 3;
      out[ty * THUMB + tx] += 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
      counts[ty * THUMB + tx]++;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= counts[i] || 1;
  return out;
}

export function sceneDifference(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

export interface SamplerStats {
  seen: number;
  kept: number;
  skippedDuplicates: number;
  clips: number;
}

export class ClipSampler {
  private kept: RgbFrame[] = [];
  private lastThumb: Float32Array | null = null;
  private lastKeptAt = -Infinity;
  private clipIndex = 0;
  readonly stats: SamplerStats = { seen: 0, kept: 0, skippedDuplicates: 0, clips: 0 };

  private readonly opts: SamplerOptions;

  /** `firstClipIndex`: where numbering starts (a resumed stream continues its clip numbers). */
  constructor(opts: SamplerOptions, startAt = 0, firstClipIndex = 0) {
    this.opts = { ...opts };
    this.clipStart = startAt;
    this.clipIndex = firstClipIndex;
  }

  private clipStart: number;

  /** Seconds between kept frames from now on (sampling backs off under load; see samplingInterval). */
  setSampleEvery(seconds: number) {
    this.opts.sampleEverySeconds = seconds;
  }

  get sampleEverySeconds(): number {
    return this.opts.sampleEverySeconds;
  }

  /**
   * Whether a frame at stream time `t` would be used (kept, or needed to close a clip): a caller
   * can skip grabbing a frame (drawing and reading back the video) when it would not.
   */
  due(t: number): boolean {
    return t >= this.clipStart + this.opts.clipSeconds || t - this.lastKeptAt >= this.opts.sampleEverySeconds - 1e-9;
  }

  /** Frames held for the clip being cut (bounded by clipSeconds / sampleEverySeconds + 1). */
  get held(): number {
    return this.kept.length;
  }

  /** The index the next clip cut will get. */
  get nextClipIndex(): number {
    return this.clipIndex;
  }

  /** Feeds one frame; returns the clips completed by its time (usually none, sometimes one). */
  push(frame: RgbFrame): Clip[] {
    this.stats.seen++;
    const done: Clip[] = [];
    // Close every clip whose end the stream has passed, the boundary frame included.
    while (frame.t >= this.clipStart + this.opts.clipSeconds) {
      const end = this.clipStart + this.opts.clipSeconds;
      const clip = this.cut(end, frame.t === end ? frame : null);
      if (clip) done.push(clip);
    }
    if (frame.t - this.lastKeptAt >= this.opts.sampleEverySeconds - 1e-9) this.keep(frame);
    return done;
  }

  /** Cuts the partial clip at the end of a stream (when at least half a clip was seen). */
  flush(endTime: number): Clip | null {
    if (endTime - this.clipStart < this.opts.clipSeconds / 2 || !this.kept.length) return null;
    return this.cut(endTime, null);
  }

  private keep(frame: RgbFrame) {
    const thumb = greyThumbnail(frame);
    if (this.lastThumb && sceneDifference(thumb, this.lastThumb) < this.opts.sceneChangeThreshold) {
      this.stats.skippedDuplicates++;
      this.lastKeptAt = frame.t;
      return;
    }
    this.lastThumb = thumb;
    this.lastKeptAt = frame.t;
    this.kept.push(frame);
    this.stats.kept++;
  }

  private cut(end: number, boundary: RgbFrame | null): Clip | null {
    const t0 = this.clipStart;
    if (boundary) this.keep(boundary);
    const pool = this.kept.filter((f) => f.t <= end + 1e-9);
    this.clipStart = end;
    if (!pool.length) return null;
    const frames = framesAt(pool, clipFrameTimes(t0, end, this.opts.framesPerClip));
    // Keep the last frame: it opens the next clip (the model compares clip start and end).
    this.kept = pool.length ? [pool[pool.length - 1]] : [];
    this.stats.clips++;
    return { streamId: this.opts.streamId, clipIndex: this.clipIndex++, t0, t1: end, frames };
  }
}

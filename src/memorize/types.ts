/** A memory as stored: one clip of one stream, written by one model under one adapter version. */
export interface MemoryRecord {
  streamId: string;
  clipIndex: number;
  /** Clip start and end, seconds of stream time. */
  t0: number;
  t1: number;
  text: string;
  modelId: string;
  /** 0 = no adapter (plain model). */
  adapterVersion: number;
}

/** A clip the memorizer could not turn into a valid memory; kept so no clip vanishes silently. */
export interface RejectedClip {
  streamId: string;
  clipIndex: number;
  t0: number;
  t1: number;
  reason: string;
  attempts: string[];
}

/** Frames as raw interleaved RGB, the one format every capture path can produce cheaply. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
  /** Stream time of the frame, seconds. */
  t: number;
}

export interface Clip {
  streamId: string;
  clipIndex: number;
  t0: number;
  t1: number;
  frames: RgbFrame[];
}

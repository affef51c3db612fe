/**
 * The bounded queue between capture and the memorizer. When the model is slower than the stream,
 * clips wait here and the lag is reported. Overflow policy: when a clip arrives and the queue is
 * full, the two oldest waiting clips are merged into one clip covering both time ranges (frames
 * re-spread evenly over it), so no stretch of stream is ever dropped; every merge is counted and
 * announced through `onChange`.
 */
import type { Clip } from '../memorize/types';
import { clipFrameTimes, framesAt } from '../memorize/frames';

export interface QueueState {
  waiting: number;
  capacity: number;
  merged: number;
  /** Seconds of stream time written but not yet memorized (oldest waiting clip start to newest end). */
  lagSeconds: number;
}

export class ClipQueue {
  private readonly items: Clip[] = [];
  private merges = 0;
  private waiters: ((c: Clip) => void)[] = [];

  constructor(readonly capacity: number, private readonly onChange?: (s: QueueState, event?: { merged: [Clip, Clip] }) => void) {
    if (capacity < 2) throw new Error('the clip queue needs room for at least 2 clips');
  }

  get state(): QueueState {
    const first = this.items[0];
    const last = this.items[this.items.length - 1];
    return { waiting: this.items.length, capacity: this.capacity, merged: this.merges, lagSeconds: first && last ? last.t1 - first.t0 : 0 };
  }

  push(clip: Clip) {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(clip);
      return;
    }
    let event: { merged: [Clip, Clip] } | undefined;
    if (this.items.length >= this.capacity) {
      const [a, b] = this.items.splice(0, 2);
      this.items.unshift(mergeClips(a, b));
      this.merges++;
      event = { merged: [a, b] };
    }
    this.items.push(clip);
    this.onChange?.(this.state, event);
  }

  /**
   * Puts back a clip that could not be memorized or stored (worker restart, storage full): it goes
   * first, ahead of later clips, and may push the queue past capacity by this one clip until the
   * next push merges.
   */
  requeue(clip: Clip) {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(clip);
      return;
    }
    this.items.unshift(clip);
    this.onChange?.(this.state);
  }

  /** Resolves with the next clip, waiting for one if the queue is empty. */
  next(): Promise<Clip> {
    const clip = this.items.shift();
    if (clip) {
      this.onChange?.(this.state);
      return Promise.resolve(clip);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export function mergeClips(a: Clip, b: Clip): Clip {
  const frames = [...a.frames, ...b.frames].sort((x, y) => x.t - y.t);
  const count = Math.max(a.frames.length, b.frames.length);
  return { streamId: a.streamId, clipIndex: a.clipIndex, t0: a.t0, t1: b.t1, frames: framesAt(frames, clipFrameTimes(a.t0, b.t1, count)) };
}

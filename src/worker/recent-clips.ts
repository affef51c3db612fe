/**
 * The clips Phase Two can learn from: each memorized clip's prompt (with the sliding window the
 * memorizer saw), its frames and window texts, newest last. Bounded, because frames are the
 * largest thing the worker holds; a clip leaves the buffer when a training run takes it, so its
 * frames are dropped once used (each clip teaches one adapter version at most).
 */
import type { ClipPrompt } from '../adapter/phase-two';

export const DEFAULT_RECENT_CLIPS = 8;
/**
 * The most clips the buffer keeps whatever the page asks (the count is a stored setting): with a
 * training run holding the clips it took, the worker holds at most 2 x this many clips' frames plus
 * the clip being memorized.
 */
export const MAX_RECENT_CLIPS = 32;

const sameKey = (a: ClipPrompt, b: ClipPrompt) => a.key[0] === b.key[0] && a.key[1] === b.key[1];

const keyText = (k: [string, number]) => JSON.stringify(k);

export class RecentClips {
  private clips: ClipPrompt[] = [];
  /** Clips the user asked to forget: never kept again, even when a cancelled run gives them back. */
  private readonly forgotten = new Set<string>();

  constructor(private capacity = DEFAULT_RECENT_CLIPS) {
    this.capacity = Math.min(MAX_RECENT_CLIPS, capacity);
  }

  get size(): number {
    return this.clips.length;
  }

  get limit(): number {
    return this.capacity;
  }

  /** Frames held by the buffered clips. */
  get frames(): number {
    return this.clips.reduce((n, c) => n + c.frames.length, 0);
  }

  keys(): [string, number][] {
    return this.clips.map((c) => c.key);
  }

  /** Keeps a clip (replacing an older prompt of the same clip); the oldest leave past `capacity`. */
  add(clip: ClipPrompt, capacity = this.capacity) {
    this.capacity = Math.min(MAX_RECENT_CLIPS, Math.max(0, Math.floor(capacity) || 0));
    this.clips = [...this.clips.filter((c) => !sameKey(c, clip)), clip];
    this.trim();
  }

  /** Hands every clip to one training run; the buffer forgets them. */
  take(): ClipPrompt[] {
    const taken = this.clips;
    this.clips = [];
    return taken;
  }

  /**
   * Returns clips a run did not learn from (cancelled or failed). They are older than any clip
   * added meanwhile, so they go in front and are the first to leave when the buffer is full.
   */
  giveBack(clips: ClipPrompt[]) {
    const back = clips.filter((c) => !this.clips.some((k) => sameKey(k, c)) && !this.forgotten.has(keyText(c.key)));
    this.clips = [...back, ...this.clips];
    this.trim();
  }

  /** Drops forgotten clips (their frames and prompts) so no later training learns from them. */
  forget(keys: [string, number][]) {
    for (const k of keys) this.forgotten.add(keyText(k));
    this.clips = this.clips.filter((c) => !this.forgotten.has(keyText(c.key)));
  }

  private trim() {
    if (this.clips.length > this.capacity) this.clips = this.clips.slice(this.clips.length - this.capacity);
  }
}

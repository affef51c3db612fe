/**
 * Model inputs (tokenized prompt + preprocessed pixels) of recent (messages, frames) pairs.
 * Phase Two scores the same clip's prompt many times (six candidates sampled, then every SPSA step
 * scores its pairs twice); preprocessing the frames is most of a small model's forward pass, and it
 * does not depend on the steer vector. Entries are keyed by the identity of the frames array and
 * the messages array, checked against a fingerprint of the pixels (a caller that reuses a buffer
 * for new frames gets fresh inputs), and evicted oldest first beyond a byte budget.
 */
import type { ChatMessage } from './prompt';
import type { RgbFrame } from './types';

export interface CachedInputs<V> {
  value: V;
  bytes: number;
}

interface Entry<V> extends CachedInputs<V> {
  messages: ChatMessage[];
  fingerprint: string;
}

/** Frame times, sizes and a strided sample of the pixels: cheap, and changes when a reused buffer gets new frames. */
export function framesFingerprint(frames: readonly RgbFrame[]): string {
  return frames
    .map((f) => {
      let h = 2166136261;
      const step = Math.max(1, Math.floor(f.data.length / 4096));
      for (let i = 0; i < f.data.length; i += step) h = Math.imul(h ^ f.data[i]!, 16777619);
      return `${f.t}:${f.width}x${f.height}:${h >>> 0}`;
    })
    .join('|');
}

export class InputsCache<V> {
  private readonly entries = new Map<readonly RgbFrame[], Entry<V>>();
  private bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  async getOrCompute(messages: ChatMessage[], frames: readonly RgbFrame[], compute: () => Promise<CachedInputs<V>>): Promise<V> {
    // Text-only prompts are cheap to tokenize, and an empty frames array is often a shared literal.
    if (!frames.length || this.budgetBytes <= 0) return (await compute()).value;
    const fingerprint = framesFingerprint(frames);
    const hit = this.entries.get(frames);
    if (hit && hit.messages === messages && hit.fingerprint === fingerprint) {
      // most recently used last
      this.entries.delete(frames);
      this.entries.set(frames, hit);
      return hit.value;
    }
    const computed = await compute();
    this.remove(frames);
    if (computed.bytes > this.budgetBytes) return computed.value;
    this.entries.set(frames, { ...computed, messages, fingerprint });
    this.bytes += computed.bytes;
    for (const key of this.entries.keys()) {
      if (this.bytes <= this.budgetBytes) break;
      this.remove(key);
    }
    return computed.value;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: readonly RgbFrame[]): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}

/**
 * TaskMem's streaming memorization policy: for each clip, the model sees the clip's frames and its
 * own memories of the previous few clips, writes the memory of this clip, and the result is
 * validated (retrying with sampling when the greedy answer is unusable).
 */
import { memorizeMessages, type MemoryFocus, type WindowMemory } from './prompt';
import { imageCount } from './frames';
import { validateMemory, DEFAULT_RULES, type FormatRules } from './validate';
import type { Clip, MemoryRecord, RejectedClip } from './types';
import type { GenerateOptions, ScoredText } from './vlm';
import { dropUncertain } from './confidence';
import { fnv1a } from '../util/fnv1a';
import type { ChatMessage } from './prompt';
import type { RgbFrame } from './types';

/** What the memorizer needs from a model; Vlm implements it, tests may pass a scripted one. */
export interface TextGenerator {
  readonly spec: { id: string; frame: { perClip: number; framesPerImage?: 1 | 2 } };
  generate(messages: ChatMessage[], frames: RgbFrame[], opts?: GenerateOptions): Promise<string>;
  /** With token log-probabilities; needed for `dropNamesBelow` and `dropDetailsBelow`. */
  generateScored?(messages: ChatMessage[], frames: RgbFrame[], opts?: GenerateOptions): Promise<ScoredText>;
}

export interface MemorizerOptions {
  /** How many previous memories the policy sees (TaskMem's sliding window). */
  window: number;
  /** Extra sampled attempts after an invalid greedy output. */
  retries: number;
  retryTemperature: number;
  maxNewTokens: number;
  rules: FormatRules;
  adapterVersion: number;
  /**
   * Drop names the model gave a log-probability under this (src/memorize/confidence.ts); null =
   * keep every name. Off by default: it raises fact precision but costs answers (models/README.md).
   */
  dropNamesBelow: number | null;
  /**
   * Drop places and colour changes the model gave a log-probability under this
   * (src/memorize/confidence.ts); null = keep them all. On by default at -0.5 (a 61% chance): on
   * the fixture's tuning seeds it raised fact precision by 2.5 points for 3 points of recall and
   * left answers where they were (models/README.md, "Confidence").
   */
  dropDetailsBelow: number | null;
  /**
   * Asks every memory to stress one detail (memorizeMessages' focus). The app leaves it unset; it is
   * the told-what-to-stress reference the adapter's results are compared with.
   */
  focus: MemoryFocus | null;
}

export const DEFAULT_MEMORIZER_OPTIONS: MemorizerOptions = {
  window: 2,
  retries: 2,
  retryTemperature: 0.7,
  maxNewTokens: 48,
  rules: DEFAULT_RULES,
  adapterVersion: 0,
  dropNamesBelow: null,
  dropDetailsBelow: -0.5,
  focus: null,
};

export type MemorizeResult = { ok: true; memory: MemoryRecord; repairs: string[] } | { ok: false; rejected: RejectedClip };

export class Memorizer {
  private readonly history = new Map<string, WindowMemory[]>();
  readonly options: MemorizerOptions;

  constructor(private readonly model: TextGenerator, options: Partial<MemorizerOptions> = {}) {
    // An option given as undefined keeps its default, so callers can pass their own optional settings through.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.options = { ...DEFAULT_MEMORIZER_OPTIONS, ...given };
  }

  /** Seeds the sliding window, e.g. after a reload, from memories already stored. */
  restore(streamId: string, memories: WindowMemory[]) {
    this.history.set(streamId, memories.slice(-this.options.window));
  }

  windowFor(streamId: string): WindowMemory[] {
    return (this.history.get(streamId) ?? []).slice(-this.options.window);
  }

  async memorize(clip: Clip): Promise<MemorizeResult> {
    const window = this.windowFor(clip.streamId);
    const messages = memorizeMessages({ t0: clip.t0, t1: clip.t1, imageCount: imageCount(clip.frames.length, this.model.spec.frame.framesPerImage), window, focus: this.options.focus ?? undefined });
    const attempts: string[] = [];
    let lastReason = '';
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      const opts: GenerateOptions = {
        maxNewTokens: this.options.maxNewTokens,
        // Seeded by clip and attempt, so a rerun (an evaluation, the same clip with and without an
        // adapter) draws the same retries.
        sample: attempt === 0 ? undefined : { temperature: this.options.retryTemperature, seed: fnv1a(`${clip.streamId}:${clip.clipIndex}:${attempt}`) },
      };
      const { raw, text, dropped } = await this.write(messages, clip.frames, opts);
      attempts.push(raw);
      if (!text.trim() && raw.trim()) {
        lastReason = `uncertain: the model was unsure of every detail it wrote (${dropped.join(', ')})`;
        continue;
      }
      const verdict = validateMemory(text, window.map((m) => m.text), this.options.rules);
      if (verdict.ok) {
        const memory: MemoryRecord = {
          streamId: clip.streamId,
          clipIndex: clip.clipIndex,
          t0: clip.t0,
          t1: clip.t1,
          text: verdict.text,
          modelId: this.model.spec.id,
          adapterVersion: this.options.adapterVersion,
        };
        this.history.set(clip.streamId, [...window, { t0: clip.t0, t1: clip.t1, text: verdict.text }].slice(-this.options.window));
        return { ok: true, memory, repairs: [...(dropped.length ? [`dropped uncertain ${dropped.join(', ')}`] : []), ...verdict.repairs] };
      }
      lastReason = `${verdict.reason}: ${verdict.detail}`;
    }
    return {
      ok: false,
      rejected: { streamId: clip.streamId, clipIndex: clip.clipIndex, t0: clip.t0, t1: clip.t1, reason: lastReason, attempts },
    };
  }

  /** One attempt: the model's text, and that text without the details it was unsure of (dropNamesBelow, dropDetailsBelow). */
  private async write(messages: ChatMessage[], frames: RgbFrame[], opts: GenerateOptions): Promise<{ raw: string; text: string; dropped: string[] }> {
    const limits = { names: this.options.dropNamesBelow, details: this.options.dropDetailsBelow };
    if ((limits.names === null && limits.details === null) || !this.model.generateScored) {
      const raw = await this.model.generate(messages, frames, opts);
      return { raw, text: raw, dropped: [] };
    }
    const scored = await this.model.generateScored(messages, frames, opts);
    const repaired = dropUncertain(scored.text, scored.tokens, limits);
    return { raw: scored.text, text: repaired.text, dropped: repaired.removed };
  }
}

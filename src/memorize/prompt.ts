/**
 * The memorization prompt: TaskMem's policy sees the clip's frames and the memories it wrote for the
 * previous few clips (a sliding window), and writes the memory of the current clip.
 * Messages use the transformers.js chat format so every model's own chat template renders them.
 */

export interface WindowMemory {
  t0: number;
  t1: number;
  text: string;
}

export type ChatContent = { type: 'text'; text: string } | { type: 'image' };
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ChatContent[];
}

export const MEMORIZE_SYSTEM =
  'You write the episodic memory of a video stream: one or two short factual sentences about what happens in the clip, naming objects by their labels.';

export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatMemoryLine(m: WindowMemory): string {
  return `[${formatClock(m.t0)}-${formatClock(m.t1)}] ${m.text}`;
}

/**
 * A detail a memory can be told to stress. Stored memories are never written with one: Phase Two
 * asks for them only to sample varied training candidates (phase-two.ts, `instructed`), and the
 * steer vector must learn the emphasis from the user's questions. The fixture is trained to follow
 * it, as an instruction-tuned model follows "mention the colours" (models/README.md); evaluation
 * uses it as the told-what-to-stress reference.
 */
export const MEMORY_FOCUSES = ['size', 'color', 'shape', 'label', 'position'] as const;
export type MemoryFocus = (typeof MEMORY_FOCUSES)[number];

export function memorizeMessages(opts: {
  t0: number;
  t1: number;
  /** Image slots: one per frame, or fewer when a model stacks frames (imageFrameGroups). */
  imageCount: number;
  window: WindowMemory[];
  focus?: MemoryFocus;
}): ChatMessage[] {
  const earlier = opts.window.length ? opts.window.map(formatMemoryLine).join('\n') : 'none';
  const content: ChatContent[] = [
    { type: 'text', text: `Earlier memories:\n${earlier}\nClip ${formatClock(opts.t0)}-${formatClock(opts.t1)}:` },
  ];
  for (let i = 0; i < opts.imageCount; i++) content.push({ type: 'image' });
  content.push({ type: 'text', text: `\nWrite the memory of this clip.${opts.focus ? ` Stress ${opts.focus}.` : ''}` });
  return [
    { role: 'system', content: MEMORIZE_SYSTEM },
    { role: 'user', content },
  ];
}

/**
 * A single-frame "what is on screen" prompt. The fixture is also trained on it (a deterministic,
 * purely visual target) because it teaches the decoder to read the image tokens quickly.
 */
export function sceneMessages(t: number): ChatMessage[] {
  return [
    { role: 'system', content: MEMORIZE_SYSTEM },
    { role: 'user', content: [{ type: 'text', text: `Frame ${formatClock(t)}:` }, { type: 'image' }, { type: 'text', text: '\nList what is on screen.' }] },
  ];
}

export const IMAGE_PAD = '<|image_pad|>';

/** Repeats each image placeholder once per visual token, as the Qwen processors do. */
export function expandImagePads(text: string, tokensPerImage: number[]): string {
  const slots = text.split(IMAGE_PAD).length - 1;
  if (slots !== tokensPerImage.length) throw new Error(`prompt has ${slots} image slots for ${tokensPerImage.length} images`);
  let k = 0;
  return text.replaceAll(IMAGE_PAD, () => IMAGE_PAD.repeat(tokensPerImage[k++]));
}

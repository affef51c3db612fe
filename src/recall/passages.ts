/**
 * Memory cut into passages for answerers with a small context: every clause of a memory (split at
 * "." and ";"), keeping its clip's identity and time. Retrieval can then keep just the clauses that
 * name what the question asks about, instead of whole memories that mostly talk about other things.
 */
import type { WindowMemory } from '../memorize/prompt';
import { timeRangeOf } from './context';

export function clausePassages<M extends WindowMemory>(memories: M[]): M[] {
  return memories.flatMap((m) =>
    m.text
      .split(/(?<=[.;])\s+/)
      .map((c) => c.replace(/[.;]\s*$/, '').trim())
      .filter(Boolean)
      .map((c) => ({ ...m, text: `${c[0]!.toUpperCase()}${c.slice(1)}.` })),
  );
}

/** Question words that say nothing about which passage holds the answer. */
const STOP = new Set(['the', 'a', 'an', 'what', 'which', 'how', 'many', 'did', 'does', 'is', 'was', 'of', 'to', 'at', 'in', 'on', 'and', 'or', 'right', 'after', 'before', 'when', 'where', 'first', 'between', 'object', 'objects', 'appear', 'appeared', 'appears', 'color', 'colour', 'shape', 'label']);

/** Lower-case words and numbers of a text, as question and passage are compared. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * At most `maxLines` passages for `question`, in time order: those sharing the most words with it
 * (and falling inside a time range it names), then the most recent. Passages of one clip share its
 * key, so this ranks them itself instead of through the clip-keyed recall index; it is also exactly
 * what the answering fixture was trained on (scripts/fixture/make-answer-dataset.ts).
 */
export function selectPassages<M extends WindowMemory>(passages: M[], question: string, maxLines: number): M[] {
  if (passages.length <= maxLines) return passages;
  const range = timeRangeOf(question);
  const keys = new Set(words(question).filter((w) => !STOP.has(w)));
  const scored = passages.map((m, i) => {
    let score = 0;
    for (const w of new Set(words(m.text))) if (keys.has(w)) score += 1;
    if (range && m.t0 < range[1] && m.t1 > range[0]) score += 5;
    return { m, i, score };
  });
  const chosen = new Set<number>();
  for (const s of [...scored].sort((a, b) => b.score - a.score || b.i - a.i)) {
    if (chosen.size >= maxLines || s.score === 0) break;
    chosen.add(s.i);
  }
  for (let i = passages.length - 1; i >= 0 && chosen.size < maxLines; i--) chosen.add(i);
  return [...chosen].sort((a, b) => a - b).map((i) => passages[i]);
}

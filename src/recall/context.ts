/**
 * Chooses which memories the answerer reads. TaskMem gives the answerer all of memory while it fits;
 * past that, the lines that share words with the question (and fall inside a time range the
 * question names) are kept, then the most recent, always in time order.
 */
import type { WindowMemory } from '../memorize/prompt';

const STOP = new Set(['the', 'a', 'an', 'what', 'which', 'how', 'many', 'did', 'does', 'is', 'was', 'of', 'to', 'at', 'in', 'on', 'and', 'or', 'right', 'after', 'before', 'when', 'where', 'first', 'between', 'object', 'objects', 'appear', 'appeared', 'appears', 'color', 'colour', 'shape', 'label']);

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function parseClock(s: string): number {
  const [m, sec] = s.split(':').map(Number);
  return m * 60 + sec;
}

/** "between 0:30 and 1:10" -> [30, 70] */
export function timeRangeOf(question: string): [number, number] | null {
  const m = /between (\d+:\d\d) and (\d+:\d\d)/i.exec(question);
  return m ? [parseClock(m[1]), parseClock(m[2])] : null;
}

export function selectAnswerContext<M extends WindowMemory>(memories: M[], question: string, maxLines: number): M[] {
  if (memories.length <= maxLines) return memories;
  const range = timeRangeOf(question);
  const keys = new Set(words(question).filter((w) => !STOP.has(w)));
  const scored = memories.map((m, i) => {
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
  for (let i = memories.length - 1; i >= 0 && chosen.size < maxLines; i--) chosen.add(i);
  return [...chosen].sort((a, b) => a - b).map((i) => memories[i]);
}

/**
 * Chooses which memories the answerer reads. TaskMem gives the answerer all of memory while it fits;
 * past that, the recall index picks: memories inside a time range the question names, then those
 * the lexical and vector searches rank highest for the question (fused by reciprocal rank), then
 * the most recent, always returned in time order.
 */
import type { WindowMemory } from '../memorize/prompt';
import { MemoryIndex, memoryKey, type IndexableMemory, type RecallFilter } from './memory-index';

function parseClock(s: string): number {
  const [m, sec] = s.split(':').map(Number);
  return m * 60 + sec;
}

const TIME_RANGE = /between (\d+:\d\d) and (\d+:\d\d)/i;

/** "between 0:30 and 1:10" -> [30, 70] */
export function timeRangeOf(question: string): [number, number] | null {
  const m = TIME_RANGE.exec(question);
  return m ? [parseClock(m[1]), parseClock(m[2])] : null;
}

/** Reciprocal-rank fusion constant (Cormack et al. 2009): ranks past ~60 barely count. */
const RRF_K = 60;

/**
 * The memories of `memories` most worth reading for `question`, at most `maxLines`, in time order.
 * `index`, when given, must hold exactly these memories, plus any that `asOf` hides (the caller's
 * `memories` already excludes clips that had not ended by then; the index may not): its hits are
 * returned as they are, so nothing here costs time in proportion to the size of memory. Without
 * an index, a throwaway one is built.
 */
export function selectAnswerContext<M extends WindowMemory & Partial<IndexableMemory>>(
  memories: M[],
  question: string,
  maxLines: number,
  opts: { index?: MemoryIndex<IndexableMemory>; asOf?: number } = {},
): M[] {
  if (memories.length <= maxLines) return memories;
  const keyOf = (m: M, i: number) => ({ ...m, streamId: m.streamId ?? '', clipIndex: m.clipIndex ?? i });
  // A throwaway index holds keyed copies; its hits are mapped back to the caller's objects.
  const originals = opts.index ? null : new Map(memories.map((m, i) => [memoryKey(keyOf(m, i)), m]));
  const index = opts.index ?? MemoryIndex.from(memories.map(keyOf));
  const filter: RecallFilter = opts.asOf === undefined ? {} : { asOf: opts.asOf };
  const chosen = new Map<string, M>();
  const take = (ms: Iterable<IndexableMemory>) => {
    for (const m of ms) {
      if (chosen.size >= maxLines) return;
      const k = memoryKey(m);
      chosen.set(k, originals?.get(k) ?? (m as unknown as M));
    }
  };

  const range = timeRangeOf(question);
  // The clock times of a range are not words any memory holds; the range itself is applied below.
  const words = range ? question.replace(TIME_RANGE, ' ') : question;
  const pool = maxLines * 4;
  const lexical = index.lexical(words, pool, filter);
  const vector = lexical.length ? index.nearest(words, pool, filter) : [];
  const fused = new Map<string, { m: IndexableMemory; score: number }>();
  [lexical, vector].forEach((hits) =>
    hits.forEach((h, rank) => {
      const k = memoryKey(h.memory);
      const e = fused.get(k) ?? { m: h.memory, score: 0 };
      e.score += 1 / (RRF_K + rank + 1);
      fused.set(k, e);
    }),
  );
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score).map((e) => e.m);

  if (range) {
    // Inside the named range: relevant clips first, then the rest of the range, latest first.
    const inside = index.inRange({ ...filter, range });
    const insideKeys = new Set(inside.map(memoryKey));
    take(ranked.filter((m) => insideKeys.has(memoryKey(m))));
    take([...inside].reverse());
  }
  // Vector neighbours ride on lexical evidence: with no shared word at all, nothing is "relevant"
  // and recency decides, as it did before the index.
  take(ranked);
  for (let i = memories.length - 1; i >= 0 && chosen.size < maxLines; i--) {
    const k = memoryKey(keyOf(memories[i], i));
    if (!chosen.has(k)) chosen.set(k, memories[i]);
  }
  return [...chosen.values()].sort((a, b) => a.t0 - b.t0 || a.t1 - b.t1 || (a.clipIndex ?? 0) - (b.clipIndex ?? 0));
}

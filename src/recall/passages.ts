/**
 * Memory cut into passages for answerers with a small context: every clause of a memory (split at
 * "." and ";"), keeping its clip's identity and time. Retrieval can then keep just the clauses that
 * name what the question asks about, instead of whole memories that mostly talk about other things.
 */
import type { WindowMemory } from '../memorize/prompt';

export function clausePassages<M extends WindowMemory>(memories: M[]): M[] {
  return memories.flatMap((m) =>
    m.text
      .split(/(?<=[.;])\s+/)
      .map((c) => c.replace(/[.;]\s*$/, '').trim())
      .filter(Boolean)
      .map((c) => ({ ...m, text: `${c[0]!.toUpperCase()}${c.slice(1)}.` })),
  );
}

/** bench:recall's page: fills IndexedDB with synthetic memories and times the recall index in Chromium. */
import { openTaskMemDb, deleteTaskMemDb, type Db } from '../../src/store/db';
import * as repo from '../../src/store/repository';
import type { StoredMemory } from '../../src/store/schema';
import { embedText } from '../../src/recall/embedding';
import { MemoryIndex } from '../../src/recall/memory-index';
import { selectAnswerContext, timeRangeOf } from '../../src/recall/context';
import { syntheticMemories, syntheticQuestions } from './synthetic';
import MiniSearch from 'minisearch';
import { tokens } from '../../src/recall/embedding';
import { STOP_WORDS } from '../../src/recall/memory-index';

const SEED = 8;
let db: Db | null = null;
let memories: StoredMemory[] = [];
let index: MemoryIndex<StoredMemory> | null = null;
/** The library the recall index's lexical half was measured against (docs/recall.md). */
let mini: MiniSearch<{ id: number; text: string }> | null = null;

async function usage(): Promise<number> {
  return (await navigator.storage.estimate()).usage ?? 0;
}

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const api = {
  async reset(name: string) {
    db?.close();
    db = null;
    await deleteTaskMemDb(name);
    return usage();
  },
  usage,
  /** Writes memories [from, from + count) the way the app does (embedding computed at write), 500 per transaction. */
  async fill(name: string, from: number, count: number) {
    db ??= await openTaskMemDb(name);
    const t = performance.now();
    if (from === 0) await repo.putStream(db, { id: 'bench', title: 'bench', source: 'demo', createdAt: 1, modelId: 'bench-model', clipSeconds: 10 });
    for (let i = from; i < from + count; i += 500) {
      const batch = syntheticMemories(SEED, i, Math.min(500, from + count - i)).map((m) => ({ ...m, embedding: embedText(m.text) }));
      const tx = db.transaction('memories', 'readwrite');
      for (const m of batch) void tx.store.put(m);
      await tx.done;
    }
    return performance.now() - t;
  },
  /** As after a reload: reads the stream's memories from IndexedDB and builds the index. */
  async load(name: string) {
    db?.close();
    db = await openTaskMemDb(name);
    const t0 = performance.now();
    memories = await repo.memoriesOf(db, 'bench');
    const t1 = performance.now();
    index = MemoryIndex.from(memories);
    const t2 = performance.now();
    mini = new MiniSearch<{ id: number; text: string }>({
      fields: ['text'],
      storeFields: [],
      tokenize: (text) => tokens(text),
      processTerm: (t) => (STOP_WORDS.has(t) ? null : t),
      searchOptions: { prefix: (term) => term.length > 3, combineWith: 'OR' },
    });
    mini.addAll(memories.map((m, i) => ({ id: i, text: m.text })));
    const t3 = performance.now();
    return { count: memories.length, readMs: t1 - t0, buildMs: t2 - t1, miniSearchBuildMs: t3 - t2 };
  },
  /** Per-query times (ms) of each kind of search, after a few untimed warm-up queries. */
  queries(count: number) {
    const ix = index!;
    const q = syntheticQuestions(SEED, count + 10, memories.length);
    const kinds: Record<string, (i: number) => unknown> = {
      lexical: (i) => ix.lexical(q.plain[i], 48),
      'lexical, MiniSearch': (i) => mini!.search(q.plain[i]).slice(0, 48),
      vector: (i) => ix.nearest(q.plain[i], 48),
      'time range': (i) => ix.inRange({ range: q.ranges[i] }),
      'lexical + time': (i) => ix.lexical(q.ranged[i], 48, { range: q.ranges[i] }),
      'vector + time': (i) => ix.nearest(q.ranged[i], 48, { range: q.ranges[i] }),
      'answer context': (i) => selectAnswerContext(memories, q.plain[i], 12, { index: ix }),
      'answer context, ranged': (i) => selectAnswerContext(memories, q.ranged[i], 12, { index: ix }),
    };
    const out: Record<string, number[]> = {};
    for (const [kind, run] of Object.entries(kinds)) {
      for (let i = count; i < count + 10; i++) run(i);
      out[kind] = Array.from({ length: count }, (_, i) => time(() => run(i)));
    }
    // Sanity: a ranged question's context holds clips of its range.
    const ctx = selectAnswerContext(memories, q.ranged[0], 12, { index: ix });
    const r = timeRangeOf(q.ranged[0])!;
    const inRange = ctx.filter((m) => m.t0 < r[1] && m.t1 > r[0]).length;
    return { times: out, rangedContextInRange: inRange };
  },
  /** Share of the exact top-10 vector neighbours the coarse-then-exact search returns. */
  vectorRecall(count: number) {
    const ix = index!;
    const q = syntheticQuestions(SEED + 1, count, memories.length);
    let agree = 0;
    for (const question of q.plain) {
      const exact = new Set(ix.nearestExact(question, 10).map((h) => h.memory.clipIndex));
      agree += ix.nearest(question, 10).filter((h) => exact.has(h.memory.clipIndex)).length;
    }
    return agree / (count * 10);
  },
  close() {
    db?.close();
    db = null;
    memories = [];
    index = null;
    mini = null;
  },
};

declare global {
  interface Window {
    recallBench: typeof api;
  }
}
window.recallBench = api;
document.title = 'recall bench ready';

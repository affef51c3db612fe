/**
 * The in-memory recall index over stored memories: lexical (BM25 over typed-array postings,
 * lexical-index.ts),
 * vector (hashed text embeddings: an int8 scan of the query's non-zero dimensions, then exact
 * re-ranking) and time (clip ranges kept sorted by start). Built from the memories in IndexedDB when recall first needs
 * it and updated as memories are written or removed; docs/recall.md says why it is built this way.
 */
import { LexicalIndex } from './lexical-index';
import { TopK } from './select';
import { EMBED_DIM, embedText, isUsableEmbedding, tokens } from './embedding';

export interface IndexableMemory {
  streamId: string;
  clipIndex: number;
  t0: number;
  t1: number;
  text: string;
  embedding?: Float32Array;
}

export interface RecallFilter {
  /** Keep only clips overlapping [from, to) seconds of stream time. */
  range?: [number, number];
  /** Keep only clips that ended by this stream time. */
  asOf?: number;
}

export interface Hit<M> {
  memory: M;
  score: number;
}

/** Words that say nothing about which memory holds the answer. */
export const STOP_WORDS = new Set(['the', 'a', 'an', 'what', 'which', 'how', 'many', 'did', 'does', 'do', 'is', 'was', 'were', 'are', 'it', 'its', 'of', 'to', 'at', 'in', 'on', 'and', 'or', 'right', 'after', 'before', 'when', 'where', 'first', 'between', 'object', 'objects', 'appear', 'appeared', 'appears', 'color', 'colour', 'shape', 'label', 'i', 'you', 'there', 'that', 'this', 'with', 'by']);

/**
 * The vector scan reads at most this many of the query's dimensions (its largest); a short question
 * has fewer non-zero dimensions than this, and then the scan is exact up to int8 rounding.
 */
const SCAN_DIMS = 40;
/** How many scan candidates per wanted result are re-ranked on the full Float32 vectors. */
const RERANK_FACTOR = 4;
const MIN_RERANK = 64;

export const memoryKey = (m: { streamId: string; clipIndex: number }) => `${m.streamId}\u0001${m.clipIndex}`;

const overlaps = (m: IndexableMemory, f: RecallFilter) =>
  (f.asOf === undefined || m.t1 <= f.asOf) && (!f.range || (m.t0 < f.range[1] && m.t1 > f.range[0]));

/** A question without its stop words: fewer, more telling dimensions to scan. */
const contentWords = (question: string) => {
  const words = tokens(question).filter((t) => !STOP_WORDS.has(t));
  return words.length ? words.join(' ') : question;
};

/** `a`, or a copy with room for at least `need` entries (doubling, so appends stay amortized O(1)). */
function grow<T extends Float64Array | Int32Array | Float32Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(1024, need * 2));
  b.set(a as never);
  return b;
}

export class MemoryIndex<M extends IndexableMemory = IndexableMemory> {
  private readonly lexicon = new LexicalIndex((t) => STOP_WORDS.has(t));
  /** Row i holds memory rows[i]; rows are swap-removed, so order means nothing. */
  private rows: M[] = [];
  private vectors: Float32Array[] = [];
  /**
   * The vectors again, dimension-major and int8 (column d holds every row's value in dimension d,
   * scaled by that row's `scales` entry): a query touches only its own non-zero dimensions.
   */
  private columns: Int8Array[] = Array.from({ length: EMBED_DIM }, () => new Int8Array(0));
  private scales = new Float32Array(0);
  /** Clip times by row, for filters that do not touch the memory objects. */
  private t0s = new Float64Array(0);
  private t1s = new Float64Array(0);
  /** The lexical index's document number of each row, and the row of each document (-1: removed). */
  private docOfRow = new Int32Array(0);
  private rowOfDoc = new Int32Array(0);
  private readonly rowOf = new Map<string, number>();
  private byStart: M[] | null = null;
  /** Scratch sums for the vector scan, kept between queries so a search allocates little. */
  private dots = new Int32Array(0);
  private zeros = new Int8Array(0);
  /** Longest clip ever added (not lowered on removal: a stale bound only lengthens the time scan). */
  private longestClip = 0;

  static from<M extends IndexableMemory>(memories: Iterable<M>): MemoryIndex<M> {
    const index = new MemoryIndex<M>();
    index.addAll(memories);
    return index;
  }

  /**
   * Builds the index without holding the page for long: adds `chunk` memories at a time and yields
   * to the event loop between chunks (2500 memories take ~40 ms here), so a first question over
   * 100k memories does not freeze the UI while the index is built.
   */
  static async fromInChunks<M extends IndexableMemory>(memories: readonly M[], chunk = 2500): Promise<MemoryIndex<M>> {
    const index = new MemoryIndex<M>();
    for (let i = 0; i < memories.length; i += chunk) {
      index.addAll(memories.slice(i, i + chunk));
      if (i + chunk < memories.length) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return index;
  }

  get size(): number {
    return this.rows.length;
  }

  has(m: { streamId: string; clipIndex: number }): boolean {
    return this.rowOf.has(memoryKey(m));
  }

  addAll(memories: Iterable<M>) {
    for (const m of memories) {
      const key = memoryKey(m);
      if (this.rowOf.has(key)) this.remove(m);
      this.addRow(key, m);
    }
  }

  /** Adds or replaces one memory (same stream and clip = the same memory). */
  add(memory: M) {
    this.addAll([memory]);
  }

  remove(m: { streamId: string; clipIndex: number }): boolean {
    const key = memoryKey(m);
    const row = this.rowOf.get(key);
    if (row === undefined) return false;
    this.lexicon.remove(this.docOfRow[row]);
    this.rowOfDoc[this.docOfRow[row]] = -1;
    const last = this.rows.length - 1;
    if (row !== last) {
      this.rows[row] = this.rows[last];
      this.vectors[row] = this.vectors[last];
      for (const c of this.columns) c[row] = c[last];
      this.scales[row] = this.scales[last];
      this.t0s[row] = this.t0s[last];
      this.t1s[row] = this.t1s[last];
      this.docOfRow[row] = this.docOfRow[last];
      this.rowOfDoc[this.docOfRow[row]] = row;
      this.rowOf.set(memoryKey(this.rows[row]), row);
    }
    this.rows.pop();
    this.vectors.pop();
    this.rowOf.delete(key);
    this.byStart = null;
    return true;
  }

  clear() {
    this.lexicon.clear();
    this.rows = [];
    this.vectors = [];
    this.columns = this.columns.map(() => new Int8Array(0));
    this.scales = new Float32Array(0);
    this.rowOf.clear();
    this.byStart = null;
  }

  private addRow(key: string, m: M) {
    const row = this.rows.length;
    const v = isUsableEmbedding(m.embedding) ? m.embedding : embedText(m.text);
    if (row >= this.scales.length) {
      const capacity = Math.max(1024, row * 2);
      this.columns = this.columns.map((c) => {
        const grown = new Int8Array(capacity);
        grown.set(c);
        return grown;
      });
      const scales = new Float32Array(capacity);
      scales.set(this.scales);
      this.scales = scales;
    }
    let max = 0;
    for (let d = 0; d < EMBED_DIM; d++) max = Math.max(max, Math.abs(v[d]));
    const toInt = max > 0 ? 127 / max : 0;
    for (let d = 0; d < EMBED_DIM; d++) this.columns[d][row] = Math.round(v[d] * toInt);
    this.scales[row] = max / 127;
    this.t0s = grow(this.t0s, row + 1, (n) => new Float64Array(n));
    this.t1s = grow(this.t1s, row + 1, (n) => new Float64Array(n));
    this.docOfRow = grow(this.docOfRow, row + 1, (n) => new Int32Array(n));
    this.t0s[row] = m.t0;
    this.t1s[row] = m.t1;
    const doc = this.lexicon.add(m.text);
    this.rowOfDoc = grow(this.rowOfDoc, doc + 1, (n) => new Int32Array(n));
    this.docOfRow[row] = doc;
    this.rowOfDoc[doc] = row;
    this.longestClip = Math.max(this.longestClip, m.t1 - m.t0);
    this.rows.push(m);
    this.vectors.push(v);
    this.rowOf.set(key, row);
    // Memories arrive in time order: the sorted list grows at its end instead of being sorted again.
    const latest = this.byStart?.[this.byStart.length - 1];
    if (this.byStart && (!latest || latest.t0 < m.t0 || (latest.t0 === m.t0 && latest.t1 <= m.t1))) this.byStart.push(m);
    else this.byStart = null;
  }

  private zeroColumn(): Int8Array {
    if (this.zeros.length < this.scales.length) this.zeros = new Int8Array(this.scales.length);
    return this.zeros;
  }

  /** Whether row r passes the filter, from the typed time arrays. */
  private passes(r: number, f: RecallFilter): boolean {
    return (f.asOf === undefined || this.t1s[r] <= f.asOf) && (!f.range || (this.t0s[r] < f.range[1] && this.t1s[r] > f.range[0]));
  }

  /** BM25 over memory text; a question's stop words are ignored. Best first. */
  lexical(query: string, k: number, filter: RecallFilter = {}): Hit<M>[] {
    const filtered = filter.asOf !== undefined || filter.range !== undefined;
    const hits = this.lexicon.search(query, k, filtered ? (doc) => this.passes(this.rowOfDoc[doc], filter) : undefined);
    return hits.map((h) => ({ memory: this.rows[this.rowOfDoc[h.doc]], score: h.score }));
  }

  /**
   * The k memories whose embeddings are nearest (cosine) to the query's. Scans the int8 columns of
   * the query's largest SCAN_DIMS dimensions over every row, then re-ranks the best candidates on
   * the full vectors; bench:recall measures its agreement with an exact scan.
   */
  nearest(query: string | Float32Array, k: number, filter: RecallFilter = {}): Hit<M>[] {
    const q = typeof query === 'string' ? embedText(contentWords(query)) : query;
    const n = this.rows.length;
    if (!n || k <= 0) return [];
    const filtered = filter.asOf !== undefined || filter.range !== undefined;
    const want = Math.max(MIN_RERANK, k * RERANK_FACTOR);
    let candidates: number[] = [];
    const inside = filter.range ? this.inRange({ ...filter, range: filter.range }) : null;
    if (inside && inside.length <= want) {
      // A narrow time range: score its clips exactly, no scan.
      candidates = inside.map((m) => this.rowOf.get(memoryKey(m))!);
    } else if (n <= want) {
      for (let r = 0; r < n; r++) if (!filtered || this.passes(r, filter)) candidates.push(r);
    } else {
      const dims: number[] = [];
      for (let d = 0; d < EMBED_DIM; d++) if (q[d] !== 0) dims.push(d);
      dims.sort((a, b) => Math.abs(q[b]) - Math.abs(q[a]));
      // Integer dot products (int8 rows × int8 query weights, summed in int32) are the fast path in
      // every JS engine; the per-row scale turns them back into cosines for ranking. Four columns
      // per pass, so the sums are read and written a quarter as often.
      const scanned = dims.slice(0, SCAN_DIMS);
      const qmax = Math.abs(q[scanned[0]] ?? 0) || 1;
      if (this.dots.length < n) this.dots = new Int32Array(this.scales.length);
      const dots = this.dots;
      dots.fill(0, 0, n);
      const zero = this.zeroColumn();
      for (let i = 0; i < scanned.length; i += 4) {
        const cols = [0, 1, 2, 3].map((j) => (i + j < scanned.length ? this.columns[scanned[i + j]] : zero));
        const ws = [0, 1, 2, 3].map((j) => (i + j < scanned.length ? Math.round((q[scanned[i + j]] / qmax) * 127) : 0));
        const [c0, c1, c2, c3] = cols;
        const [w0, w1, w2, w3] = ws;
        for (let r = 0; r < n; r++) dots[r] += c0[r] * w0 + c1[r] * w1 + c2[r] * w2 + c3[r] * w3;
      }
      // One pass keeps the best `want` rows in a min-heap; most rows fail the first comparison.
      const heap = new TopK(want);
      const scales = this.scales;
      for (let r = 0; r < n; r++) {
        const score = dots[r] * scales[r];
        if (score > heap.floor && (!filtered || this.passes(r, filter))) heap.offer(score, r);
      }
      candidates = heap.items();
    }
    const exact = candidates.map((r) => {
      const v = this.vectors[r];
      let s = 0;
      for (let d = 0; d < EMBED_DIM; d++) s += v[d] * q[d];
      return { memory: this.rows[r], score: s };
    });
    return exact.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** An exact scan of the full vectors, for measuring how much the int8 scan loses. */
  nearestExact(query: string | Float32Array, k: number, filter: RecallFilter = {}): Hit<M>[] {
    const q = typeof query === 'string' ? embedText(contentWords(query)) : query;
    const hits: Hit<M>[] = [];
    for (let r = 0; r < this.rows.length; r++) {
      if (!overlaps(this.rows[r], filter)) continue;
      const v = this.vectors[r];
      let s = 0;
      for (let d = 0; d < EMBED_DIM; d++) s += v[d] * q[d];
      hits.push({ memory: this.rows[r], score: s });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Memories overlapping a time range (and visible by asOf), in time order. */
  inRange(filter: RecallFilter & { range: [number, number] }): M[] {
    this.byStart ??= [...this.rows].sort((a, b) => a.t0 - b.t0 || a.t1 - b.t1);
    const s = this.byStart;
    // Scan back from the last clip starting before range[1]; no clip further back can reach
    // range[0] once its start is more than the longest clip's length before it.
    let hi = s.length;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].t0 < filter.range[1]) lo = mid + 1;
      else hi = mid;
    }
    const out: M[] = [];
    for (let i = lo - 1; i >= 0; i--) {
      if (overlaps(s[i], filter)) out.push(s[i]);
      else if (s[i].t0 + this.longestClip <= filter.range[0]) break;
    }
    return out.reverse();
  }
}

/**
 * A BM25 inverted index built for recall over many short memories: postings are typed arrays
 * (document number, term count), a query adds scores into one Float32Array and selects the top k,
 * so a word found in a third of 100k memories costs a pass over its ~33k postings rather than a
 * Map entry and a sort per match (MiniSearch's way, measured slower at this size by bench:recall;
 * docs/recall.md). Words are lower-cased, NFKC-normalized and lightly stemmed ("move", "moves",
 * "moved", "moving" -> "mov") so a question matches the memory's inflection. Removal leaves a tombstone
 * until a quarter of the documents are dead, then the postings are rebuilt.
 */
import { tokens } from './embedding';
import { TopK } from './select';

const K1 = 1.2;
const B = 0.75;

/** Strips the commonest English inflections, and a final e, so "move", "moves", "moved" and "moving" meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ing') && w.length >= 6) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length >= 5) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && w.length >= 4) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length >= 4) w = w.slice(0, -1);
  return w;
}

class Postings {
  docs = new Int32Array(4);
  counts = new Uint16Array(4);
  length = 0;
  /** Live documents holding the term. */
  live = 0;

  push(doc: number, count: number) {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const counts = new Uint16Array(this.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.docs[this.length] = doc;
    this.counts[this.length] = Math.min(count, 65535);
    this.length++;
    this.live++;
  }
}

export interface LexicalHit {
  doc: number;
  score: number;
}

export class LexicalIndex {
  private postings = new Map<string, Postings>();
  private lengths = new Float32Array(1024);
  private alive = new Uint8Array(1024);
  private texts: (string | null)[] = [];
  private liveDocs = 0;
  private totalLength = 0;
  private deadDocs = 0;
  private scores = new Float32Array(0);
  private touched = new Int32Array(0);

  constructor(private readonly ignore: (term: string) => boolean = () => false) {}

  terms(text: string): string[] {
    return tokens(text).filter((t) => !this.ignore(t)).map(stem);
  }

  get size(): number {
    return this.liveDocs;
  }

  /** Adds a document; returns its number (documents are numbered in the order they are added). */
  add(text: string): number {
    const doc = this.texts.length;
    if (doc >= this.lengths.length) {
      const lengths = new Float32Array(doc * 2);
      lengths.set(this.lengths);
      this.lengths = lengths;
      const alive = new Uint8Array(doc * 2);
      alive.set(this.alive);
      this.alive = alive;
    }
    this.texts.push(text);
    this.index(doc, text);
    return doc;
  }

  private index(doc: number, text: string) {
    const counts = new Map<string, number>();
    const terms = this.terms(text);
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, c] of counts) {
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Postings()));
      p.push(doc, c);
    }
    this.lengths[doc] = terms.length;
    this.alive[doc] = 1;
    this.liveDocs++;
    this.totalLength += terms.length;
  }

  remove(doc: number) {
    const text = this.texts[doc];
    if (text == null || !this.alive[doc]) return;
    this.alive[doc] = 0;
    this.liveDocs--;
    this.deadDocs++;
    this.totalLength -= this.lengths[doc];
    for (const t of new Set(this.terms(text))) this.postings.get(t)!.live--;
    this.texts[doc] = null;
    if (this.deadDocs > 1024 && this.deadDocs > this.texts.length / 4) this.compact();
  }

  /** Drops tombstones: postings are rebuilt from the live documents, numbers kept. */
  private compact() {
    this.postings.clear();
    this.liveDocs = 0;
    this.totalLength = 0;
    this.deadDocs = 0;
    this.texts.forEach((text, doc) => text != null && this.index(doc, text));
  }

  clear() {
    this.postings.clear();
    this.texts = [];
    this.lengths = new Float32Array(1024);
    this.alive = new Uint8Array(1024);
    this.liveDocs = 0;
    this.totalLength = 0;
    this.deadDocs = 0;
  }

  /** The k best documents for the query by BM25 (Okapi, k1 1.2, b 0.75), best first; `keep` filters documents. */
  search(query: string, k: number, keep?: (doc: number) => boolean): LexicalHit[] {
    const terms = [...new Set(this.terms(query))];
    const n = this.liveDocs;
    if (!n || k <= 0) return [];
    const avg = this.totalLength / n || 1;
    const postings = terms.map((t) => this.postings.get(t)).filter((p): p is Postings => !!p && p.live > 0);
    // Scratch kept between queries (and zeroed where it was touched), so a search allocates little.
    if (this.scores.length < this.texts.length) this.scores = new Float32Array(this.lengths.length);
    const scores = this.scores;
    const need = postings.reduce((sum, p) => sum + p.length, 0);
    if (this.touched.length < need) this.touched = new Int32Array(need * 2);
    const touched = this.touched;
    let count = 0;
    for (const p of postings) {
      const idf = Math.log(1 + (n - p.live + 0.5) / (p.live + 0.5));
      const { docs, counts, length } = p;
      for (let i = 0; i < length; i++) {
        const d = docs[i];
        if (!this.alive[d]) continue;
        const tf = counts[i];
        if (scores[d] === 0) touched[count++] = d;
        scores[d] += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * this.lengths[d]) / avg));
      }
    }
    const top = new TopK(k);
    for (let i = 0; i < count; i++) {
      const d = touched[i];
      if (scores[d] > top.floor && (!keep || keep(d))) top.offer(scores[d], d);
    }
    const hits = top.items().map((d) => ({ doc: d, score: scores[d] }));
    for (let i = 0; i < count; i++) scores[touched[i]] = 0;
    return hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }
}

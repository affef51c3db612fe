/** Top-k selection without sorting everything: both recall indexes keep only what can make the top k. */

/** The k largest (score, id) pairs offered, in a binary min-heap over typed arrays. */
export class TopK {
  private readonly scores: Float64Array;
  private readonly ids: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.ids = new Int32Array(k);
  }

  /** Offers below this cannot enter (-Infinity until the heap is full). */
  get floor(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  offer(score: number, id: number) {
    const { scores, ids } = this;
    let i: number;
    if (this.size < this.k) {
      // Sift up from the new leaf.
      i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (scores[parent] <= score) break;
        scores[i] = scores[parent];
        ids[i] = ids[parent];
        i = parent;
      }
    } else {
      if (score <= scores[0]) return;
      // Replace the root and sift down.
      i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.size) break;
        const c = l + 1 < this.size && scores[l + 1] < scores[l] ? l + 1 : l;
        if (scores[c] >= score) break;
        scores[i] = scores[c];
        ids[i] = ids[c];
        i = c;
      }
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** The ids held, in no particular order. */
  items(): number[] {
    return Array.from(this.ids.subarray(0, this.size));
  }
}

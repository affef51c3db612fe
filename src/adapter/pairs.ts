/**
 * Turns scored candidate memories of one clip into DPO preference pairs. Only clearly separated
 * candidates make a pair: a near-tie says nothing reliable about what the user needs and would
 * train the steer vector on reward noise. The most separated pairs come first, so a small pair
 * budget is spent on the strongest signal. Deterministic for a given candidate order.
 */

export interface ScoredCandidate {
  text: string;
  reward: number;
}

export interface PreferencePair {
  chosen: string;
  rejected: string;
  chosenReward: number;
  rejectedReward: number;
  /** chosenReward - rejectedReward, always > minMargin. */
  margin: number;
}

export interface PairOptions {
  /** A pair needs reward(chosen) - reward(rejected) strictly above this; default 0.05. */
  minMargin?: number;
  /** At most this many pairs for the clip; default 4. */
  maxPairs?: number;
}

export const DEFAULT_MIN_MARGIN = 0.05;
export const DEFAULT_MAX_PAIRS = 4;

/**
 * Pairs are ranked by margin (largest first: best vs worst, then best vs second worst or second
 * best vs worst, ...); among equal margins, the pair whose chosen ranks higher comes first, then
 * the one whose rejected ranks lower (ranks by reward, input order breaking reward ties). A
 * candidate may appear in several pairs.
 * Identical texts are scored once, keeping the first occurrence.
 */
export function buildPairs(candidates: readonly ScoredCandidate[], opts: PairOptions = {}): PreferencePair[] {
  const minMargin = opts.minMargin ?? DEFAULT_MIN_MARGIN;
  const maxPairs = opts.maxPairs ?? DEFAULT_MAX_PAIRS;
  if (!(minMargin >= 0) || !Number.isFinite(minMargin)) throw new RangeError(`minMargin must be a finite number >= 0, got ${minMargin}`);
  if (!Number.isInteger(maxPairs) || maxPairs < 0) throw new RangeError(`maxPairs must be an integer >= 0, got ${maxPairs}`);

  const seen = new Set<string>();
  const unique: ScoredCandidate[] = [];
  for (const c of candidates) {
    if (!Number.isFinite(c.reward)) throw new RangeError(`candidate reward must be finite, got ${c.reward} for ${JSON.stringify(c.text)}`);
    if (seen.has(c.text)) continue;
    seen.add(c.text);
    unique.push(c);
  }
  // Array.prototype.sort is stable, so equal rewards keep input order.
  const ranked = [...unique].sort((a, b) => b.reward - a.reward);

  const pairs: { hi: number; lo: number; margin: number }[] = [];
  for (let hi = 0; hi < ranked.length; hi++) {
    for (let lo = ranked.length - 1; lo > hi; lo--) {
      const margin = ranked[hi].reward - ranked[lo].reward;
      if (margin <= minMargin) break; // ranked descending: every lo nearer hi is closer still
      pairs.push({ hi, lo, margin });
    }
  }
  pairs.sort((a, b) => b.margin - a.margin || a.hi - b.hi || b.lo - a.lo);

  return pairs.slice(0, maxPairs).map(({ hi, lo, margin }) => ({
    chosen: ranked[hi].text,
    rejected: ranked[lo].text,
    chosenReward: ranked[hi].reward,
    rejectedReward: ranked[lo].reward,
    margin,
  }));
}

/**
 * How sure a change in accuracy is. Two settings score the same questions; questions come in
 * streams, and a stream's questions rise or fall together (one memory serves them all), so the
 * interval resamples whole streams, not single questions (a cluster bootstrap). Between sets of 16
 * streams the adapter's change has moved by more than the 7 points the bar asks; an interval per
 * row says how much of a figure is the streams drawn.
 */
import { mulberry32 } from '../util/mulberry32';

/** One stream's questions of some types, scored without and with the change. */
export interface PairedCounts {
  questions: number;
  before: number;
  after: number;
}

export interface PairedChange {
  /** Accuracy after minus accuracy before, over all questions (a fraction, 0.05 = 5 points). */
  change: number;
  /** The central `level` share of the change over streams resampled with replacement. */
  low: number;
  high: number;
  streams: number;
  questions: number;
}

export function pairedChange(streams: PairedCounts[], opts: { resamples?: number; level?: number; seed?: number } = {}): PairedChange {
  const resamples = opts.resamples ?? 4000;
  const level = opts.level ?? 0.95;
  const total = (xs: PairedCounts[]) => xs.reduce((s, x) => ({ q: s.q + x.questions, d: s.d + x.after - x.before }), { q: 0, d: 0 });
  const all = total(streams);
  if (!all.q) return { change: NaN, low: NaN, high: NaN, streams: streams.length, questions: 0 };
  const next = mulberry32(opts.seed ?? 1);
  const draws: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let q = 0, d = 0;
    for (let i = 0; i < streams.length; i++) {
      const s = streams[Math.floor(next() * streams.length)]!;
      q += s.questions;
      d += s.after - s.before;
    }
    if (q) draws.push(d / q);
  }
  draws.sort((a, b) => a - b);
  const at = (p: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))]!;
  return { change: all.d / all.q, low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), streams: streams.length, questions: all.q };
}

/** A change as signed points, "+4.1" for 0.041. */
export const formatPoints = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** The interval of a change in points, "+1.7 to +6.6". */
export const formatInterval = (c: PairedChange) => `${formatPoints(c.low)} to ${formatPoints(c.high)}`;

/**
 * DPO objective and a forward-only trainer for the steer vector.
 *
 * The steer vector lives inside an ONNX graph that runs in onnxruntime-web, which gives us forward
 * passes but no gradients. SPSA (as in MeZO, Malladi et al. 2023) estimates a gradient from two
 * forward evaluations along a random direction, which is enough for a vector of a few thousand
 * numbers and needs no memory beyond the vector itself. Everything here is environment-free: it
 * runs in Node and in a Web Worker.
 */

/** Summed log-probabilities of one preference pair under the policy and the frozen reference. */
export interface DpoPairLogProbs {
  policyChosen: number;
  policyRejected: number;
  refChosen: number;
  refRejected: number;
}

export interface DpoMetrics {
  /** Mean DPO loss. */
  loss: number;
  /** Mean implicit reward margin beta * ((pc - rc) - (pr - rr)). */
  rewardMargin: number;
  /** Share of pairs whose implicit reward margin is strictly positive. */
  accuracy: number;
}

/** log(1 + e^x) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** beta * ((pc - rc) - (pr - rr)): how much more the policy prefers chosen than the reference does. */
export function dpoRewardMargin(
  policyChosen: number, policyRejected: number, refChosen: number, refRejected: number, beta: number,
): number {
  return beta * ((policyChosen - refChosen) - (policyRejected - refRejected));
}

/** -log sigmoid(margin) for one pair, computed as softplus(-margin). */
export function dpoLoss(
  policyChosen: number, policyRejected: number, refChosen: number, refRejected: number, beta: number,
): number {
  return softplus(-dpoRewardMargin(policyChosen, policyRejected, refChosen, refRejected, beta));
}

function marginOf(p: DpoPairLogProbs, beta: number): number {
  return dpoRewardMargin(p.policyChosen, p.policyRejected, p.refChosen, p.refRejected, beta);
}

/** Mean DPO loss over pairs; throws on an empty batch because a silent 0 would look like a perfect fit. */
export function dpoBatchLoss(pairs: readonly DpoPairLogProbs[], beta: number): number {
  if (pairs.length === 0) throw new RangeError('dpoBatchLoss needs at least one pair');
  let sum = 0;
  for (const p of pairs) sum += softplus(-marginOf(p, beta));
  return sum / pairs.length;
}

/**
 * The chosen memories' log-likelihood gain over the reference, negated and in the units of the DPO
 * margin (beta * (rc - pc)), averaged over pairs. Added to the DPO loss with a weight it is RPO's
 * NLL term (Pang et al. 2024): DPO alone can widen a margin by making both memories less likely,
 * which moves what the model writes greedily less than making the chosen one more likely does.
 */
export function chosenLikelihoodLoss(pairs: readonly DpoPairLogProbs[], beta: number): number {
  if (pairs.length === 0) throw new RangeError('chosenLikelihoodLoss needs at least one pair');
  let sum = 0;
  for (const p of pairs) sum += beta * (p.refChosen - p.policyChosen);
  return sum / pairs.length;
}

export function dpoMetrics(pairs: readonly DpoPairLogProbs[], beta: number): DpoMetrics {
  if (pairs.length === 0) throw new RangeError('dpoMetrics needs at least one pair');
  let loss = 0;
  let margin = 0;
  let correct = 0;
  for (const p of pairs) {
    const m = marginOf(p, beta);
    loss += softplus(-m);
    margin += m;
    if (m > 0) correct++;
  }
  const n = pairs.length;
  return { loss: loss / n, rewardMargin: margin / n, accuracy: correct / n };
}

// ---------------------------------------------------------------------------------------------
// SPSA

import { mulberry32 } from '../util/mulberry32';

export { mulberry32 };

/** A direction of +1/-1 entries: every coordinate is perturbed by the same magnitude. */
export function rademacher(rng: () => number, n: number): Float32Array {
  const z = new Float32Array(n);
  for (let i = 0; i < n; i++) z[i] = rng() < 0.5 ? -1 : 1;
  return z;
}

export function vectorNorm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export interface SpsaStepInfo {
  /** 0-based index of the step just taken. */
  step: number;
  steps: number;
  /** Mean of the perturbed losses (L+ + L-) / 2 over the step's directions: an estimate of the loss at the vector before the update, at no extra forward pass. */
  loss: number;
  /** Norm of the estimated gradient. */
  gradNorm: number;
  /** Norm of the vector after the update (and clipping). */
  norm: number;
  /** The vector after the update; a copy the caller may keep. */
  vector: Float32Array;
}

export interface SpsaOptions {
  init: Float32Array;
  /** Must not keep or modify its argument after resolving; it receives a fresh array each call. */
  loss: (v: Float32Array) => Promise<number>;
  steps: number;
  lr: number;
  /** c: the vector is evaluated at v +- c z with z of +-1 entries, so the probe's norm is c * sqrt(dim). */
  perturbation: number;
  seed: number;
  /** Directions averaged per step (2 loss calls each); default 1. */
  directions?: number;
  /** Called after every step; returning false stops training after that step. */
  onStep?: (info: SpsaStepInfo) => void | false | Promise<void | false>;
  /** Checked between steps; an abort ends training with what has been learned so far. */
  signal?: AbortSignal;
  /** After each update the vector is scaled back onto this norm if it grew past it. */
  maxNorm?: number;
  /**
   * Share of the last steps whose iterates are averaged into the result (Polyak-Ruppert tail
   * averaging); 0 or absent = the last iterate. With a constant step size the iterate keeps
   * wandering around where the loss is low, by about one step's noise per step; the mean of the
   * last iterates keeps the drift they share and cancels most of that noise, at no forward pass.
   */
  tailAverage?: number;
}

export interface SpsaResult {
  vector: Float32Array;
  history: { step: number; loss: number }[];
  /** True when the signal or onStep ended training before `steps` steps. */
  stoppedEarly: boolean;
}

function checkOptions(o: SpsaOptions): number {
  const directions = o.directions ?? 1;
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new RangeError(`steps must be an integer >= 0, got ${o.steps}`);
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new RangeError(`lr must be a positive number, got ${o.lr}`);
  if (!(o.perturbation > 0) || !Number.isFinite(o.perturbation)) throw new RangeError(`perturbation must be a positive number, got ${o.perturbation}`);
  if (!Number.isInteger(directions) || directions < 1) throw new RangeError(`directions must be an integer >= 1, got ${directions}`);
  if (o.maxNorm !== undefined && !(o.maxNorm > 0)) throw new RangeError(`maxNorm must be a positive number, got ${o.maxNorm}`);
  if (o.tailAverage !== undefined && !(o.tailAverage >= 0 && o.tailAverage <= 1)) throw new RangeError(`tailAverage must be between 0 and 1, got ${o.tailAverage}`);
  return directions;
}

function probe(v: Float32Array, z: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] + scale * z[i];
  return out;
}

function clipNorm(v: Float32Array, maxNorm: number | undefined): void {
  if (maxNorm === undefined) return;
  const norm = vectorNorm(v);
  if (norm <= maxNorm) return;
  const s = maxNorm / norm;
  for (let i = 0; i < v.length; i++) v[i] *= s;
}

/**
 * Minimizes `loss` with SPSA: per step and direction z, g = (L(v + c z) - L(v - c z)) / (2c) * z,
 * averaged over the directions, then v -= lr * g; the result is the last iterate, or with
 * `tailAverage` the mean of the last iterates. The directions come from mulberry32(seed) alone,
 * so a deterministic loss gives the same vector for the same seed.
 */
export async function trainSpsa(opts: SpsaOptions): Promise<SpsaResult> {
  const directions = checkOptions(opts);
  const { loss, steps, lr, perturbation: c, signal, onStep, maxNorm } = opts;
  const rng = mulberry32(opts.seed);
  const v = Float32Array.from(opts.init);
  clipNorm(v, maxNorm);
  const history: SpsaResult['history'] = [];
  // Iterates from this step on are summed; an early stop returns the mean of those summed so far.
  const averageFrom = opts.tailAverage ? steps - Math.max(1, Math.round(opts.tailAverage * steps)) : steps;
  const sum = new Float64Array(v.length);
  let summed = 0;
  const result = (stoppedEarly: boolean): SpsaResult => {
    if (summed === 0) return { vector: v, history, stoppedEarly };
    return { vector: Float32Array.from(sum, (x) => x / summed), history, stoppedEarly };
  };
  const evaluate = async (x: Float32Array, step: number): Promise<number> => {
    const value = await loss(x);
    // One NaN would spread to every coordinate through the update; fail where it happened.
    if (!Number.isFinite(value)) throw new Error(`SPSA loss returned ${value} at step ${step}`);
    return value;
  };

  for (let step = 0; step < steps; step++) {
    if (signal?.aborted) return result(true);
    const g = new Float64Array(v.length);
    let lossSum = 0;
    for (let k = 0; k < directions; k++) {
      const z = rademacher(rng, v.length);
      const plus = await evaluate(probe(v, z, c), step);
      const minus = await evaluate(probe(v, z, -c), step);
      lossSum += plus + minus;
      const projected = (plus - minus) / (2 * c) / directions;
      for (let i = 0; i < g.length; i++) g[i] += projected * z[i];
    }
    let g2 = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] -= lr * g[i];
      g2 += g[i] * g[i];
    }
    clipNorm(v, maxNorm);
    if (step >= averageFrom) {
      for (let i = 0; i < v.length; i++) sum[i] += v[i];
      summed++;
    }
    const stepLoss = lossSum / (2 * directions);
    history.push({ step, loss: stepLoss });
    if (onStep) {
      const verdict = await onStep({ step, steps, loss: stepLoss, gradNorm: Math.sqrt(g2), norm: vectorNorm(v), vector: Float32Array.from(v) });
      if (verdict === false) return result(step + 1 < steps);
    }
  }
  return result(false);
}

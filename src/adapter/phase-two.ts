/**
 * TaskMem's Phase Two on one device: recent clips (their prompts and frames, kept only for this)
 * are memorized again several times with sampling; each candidate memory is scored with the
 * task-relevance reward of the recent questions (reward.ts); clearly separated candidates become
 * DPO pairs (pairs.ts); and the steer vector alone is trained on them with a forward-only gradient
 * estimate (dpo.ts), the base model frozen and the plain model (steer = 0) as the DPO reference.
 * Environment-free: the Node command and the browser worker run the same code on a Vlm.
 */
import { memorizeMessages, MEMORY_FOCUSES, type ChatMessage, type MemoryFocus, type WindowMemory } from '../memorize/prompt';
import { imageCount } from '../memorize/frames';
import type { Clip, RgbFrame } from '../memorize/types';
import type { GenerateOptions, ScoredText } from '../memorize/vlm';
import { dropUncertain, type ConfidenceLimits } from '../memorize/confidence';
import { validateMemory, DEFAULT_RULES } from '../memorize/validate';
import { fnv1a } from '../util/fnv1a';
import { taskProfile, scoreCandidate, DETAIL_TYPES, type RecentTask, type TaskProfile } from './reward';
import { buildPairs } from './pairs';
import { chosenLikelihoodLoss, dpoBatchLoss, dpoMetrics, mulberry32, trainSpsa, vectorNorm, type DpoPairLogProbs } from './dpo';

/** What Phase Two needs from the model; Vlm provides it. */
export interface PolicyModel {
  generate(messages: ChatMessage[], frames: RgbFrame[], opts?: GenerateOptions): Promise<string>;
  /** With token log-probabilities; needed for CollectOptions' `confidence`. */
  generateScored?(messages: ChatMessage[], frames: RgbFrame[], opts?: GenerateOptions): Promise<ScoredText>;
  completionLogProb(messages: ChatMessage[], frames: RgbFrame[], completion: string): Promise<number>;
  /** Sets the steer vector for the following calls (null = the plain model). */
  setSteer(vector: Float32Array | null): void;
}

/** One recent clip as the memorizer saw it: its prompt (with the sliding window) and frames. */
export interface ClipPrompt {
  key: [string, number];
  messages: ChatMessage[];
  frames: RgbFrame[];
  /** The memories in its window, which a candidate must not repeat. */
  window: string[];
  /**
   * The same prompt asking to stress one detail, for instructed candidates (CollectOptions'
   * `instructed`); absent, every candidate is sampled from `messages`.
   */
  focusMessages?: Partial<Record<MemoryFocus, ChatMessage[]>>;
}

/** The prompt the memorizer builds for `clip` with this window (the same as Memorizer.memorize). */
export function clipPromptOf(clip: Clip, window: WindowMemory[], framesPerImage: 1 | 2 = 1): ClipPrompt {
  const prompt = { t0: clip.t0, t1: clip.t1, imageCount: imageCount(clip.frames.length, framesPerImage), window };
  return {
    key: [clip.streamId, clip.clipIndex],
    messages: memorizeMessages(prompt),
    frames: clip.frames,
    window: window.map((m) => m.text),
    focusMessages: Object.fromEntries(MEMORY_FOCUSES.map((focus) => [focus, memorizeMessages({ ...prompt, focus })])),
  };
}

/**
 * The prompt candidate k is sampled from: with `instructed`, candidate 0 from the plain prompt and
 * the others each asked to stress a detail (`plan[k - 1]`; by default every detail in turn), so
 * the candidates differ in *what* they keep and not only by chance. Scoring and DPO always use the
 * plain prompt: the vector learns to make the plain model write what the reward preferred (context
 * distillation, Askell et al. 2021).
 */
function candidatePrompt(clip: ClipPrompt, k: number, instructed: boolean, plan: readonly MemoryFocus[]): ChatMessage[] {
  if (!instructed || k === 0 || !clip.focusMessages || !plan.length) return clip.messages;
  return clip.focusMessages[plan[(k - 1) % plan.length]!] ?? clip.messages;
}

/**
 * What the `slots` instructed candidates of a clip are told to stress, for `askedFocus`: the details
 * recent tasks asked about, each in proportion to its share of them (largest remainders; ties go to
 * the detail listed first in MEMORY_FOCUSES). Details no instruction exists for (count, order) and
 * never asked (size) get none. With nothing asked that has one, every detail in turn.
 */
export function focusPlan(profile: TaskProfile, slots: number): MemoryFocus[] {
  const asked = MEMORY_FOCUSES.map((focus) => ({ focus, weight: (profile.weights as Record<string, number>)[focus] ?? 0 })).filter((f) => f.weight > 0);
  const total = asked.reduce((n, f) => n + f.weight, 0);
  if (!asked.length || slots <= 0) return [...MEMORY_FOCUSES];
  const quotas = asked.map((f, i) => ({ ...f, i, exact: (slots * f.weight) / total }));
  const counts = quotas.map((q) => Math.floor(q.exact));
  let left = slots - counts.reduce((a, b) => a + b, 0);
  for (const q of [...quotas].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.i - b.i)) {
    if (left-- <= 0) break;
    counts[q.i]!++;
  }
  // Interleaved, so fewer candidates than planned still spread over the asked details.
  const plan: MemoryFocus[] = [];
  for (let round = 0; plan.length < slots; round++)
    quotas.forEach((q, i) => {
      if (round < counts[i]!) plan.push(q.focus);
    });
  return plan;
}

/** The focus to tell the model for `anchors`: the most-asked detail type that has one, or none. */
export function anchorFocus(profile: TaskProfile): MemoryFocus | null {
  let best: MemoryFocus | null = null;
  let bestWeight = 0;
  for (const type of DETAIL_TYPES) {
    const weight = profile.weights[type];
    if (weight > bestWeight && (MEMORY_FOCUSES as readonly string[]).includes(type)) {
      best = type as MemoryFocus;
      bestWeight = weight;
    }
  }
  return best;
}

/** The greedy memories `anchors` adds: under the plain prompt, then told to stress `focus`. */
async function anchorCandidates(model: PolicyModel, clip: ClipPrompt, focus: MemoryFocus | null, opts: CollectOptions): Promise<string[]> {
  const prompts = [clip.messages];
  const told = focus ? clip.focusMessages?.[focus] : undefined;
  if (told) prompts.push(told);
  const texts: string[] = [];
  for (const messages of prompts) texts.push(await writeCandidate(model, messages, clip.frames, opts, null));
  return texts;
}

export interface TrainingPair extends DpoPairLogProbs {
  clip: ClipPrompt;
  chosen: string;
  rejected: string;
  margin: number;
}

export interface PairCollection {
  pairs: TrainingPair[];
  clips: number;
  candidates: number;
  /** Clips whose candidates were all alike in reward: nothing to learn from them. */
  tiedClips: number;
}

export interface CollectOptions {
  candidates: number;
  temperature: number;
  minMargin?: number;
  maxPairsPerClip?: number;
  /** Count only details the clip's other candidates state too (reward.ts, `consensus`). */
  consensus?: boolean;
  /** Count only details tied to a named object (reward.ts, `keyed`). */
  keyed?: boolean;
  /** Count places only for the events recent place questions ask about (reward.ts, `askedEvents`). */
  askedEvents?: boolean;
  /** Sample candidates from prompts that ask to stress each detail in turn (candidatePrompt). */
  instructed?: boolean;
  /**
   * With `instructed`: the instructed candidates stress the details recent tasks asked about, in
   * proportion to how often (focusPlan), instead of every detail in turn, size included, which no
   * question asks about.
   */
  askedFocus?: boolean;
  /**
   * Two greedy candidates beside the samples: what the plain model writes (what memorization
   * stores today) and what it writes told to stress the detail recent tasks asked about most
   * (anchorCandidates). A pair between them is the change to greedy output itself, where pairs of
   * temperature samples rank texts the memorizer never writes.
   */
  anchors?: boolean;
  /**
   * Score each candidate as the memorizer would store it: without the details the model was unsure
   * of (src/memorize/confidence.ts). Without it the reward prefers the samples that invent the
   * most details. Needs the model's generateScored; ignored without it.
   */
  confidence?: ConfidenceLimits;
  /**
   * Mixed into each candidate's sampling seed, which is otherwise fixed by its clip and index: the
   * same seed gives the same candidates (settings compared on the same pairs), another seed others.
   */
  seed?: number;
  /**
   * The vector candidates are sampled under: null (default) samples the plain model, a trained
   * vector samples what the adapted model now writes (on-policy, for a round that continues from
   * it). The DPO reference is always the plain model.
   */
  samplingVector?: Float32Array | null;
  signal?: AbortSignal;
  onClip?: (done: number, total: number) => void;
}

/** What `confidence` drops from candidates: the memorizer's default for places and colour changes, and names the model gave under e^-1. */
export const CANDIDATE_CONFIDENCE: ConfidenceLimits = { names: -1, details: -0.5 };

/**
 * Instructed by default, chosen on tuning seeds: there (colour focus, stage-8 fixture) instructed
 * candidates trained a vector worth +10.5 points, as much as telling the model. On the evaluation
 * seeds they match or beat plain candidates (docs/adapter.md, docs/results.md). The keyed reward
 * (details tied to a named object) is the default since 2026-11-30: on tuning seeds 11-18 it kept
 * the colour gain of counting every detail word (+7.4) and took the other types from +2.8 to +8.5.
 * Every separated pair of a clip (at most the 15 that 6 candidates form) since 2026-12-06: the
 * same samples give four times the pairs; chosen on a tuning set (colour +10.7 against +8.2), then
 * on fresh streams colour +6.4 over 80, shape +7.2 over 64 and position +5.4 over 48, where 3
 * pairs per clip had given +5.5, +6.3 and +4.1 over 32, 32 and 48 others: no worse, within the
 * spread of sets (docs/adapter.md, "2026-12-06, night" and "2026-12-07", "2026-12-07, later").
 * The greedy plain and told memories beside the samples (`anchors`) are off: named the default
 * on the three tuning sets (colour +12.0 / -1.2 against +10.7 / -3.0, position +4.9 / +3.6
 * against +3.9 / +3.0, shape +3.5 / +3.4 against +3.9 / +2.2), on the next two fresh sets they
 * gave colour +3.1 / -2.7 against +2.8 / -1.6 without, and position +5.5 / -1.2 against +7.9 /
 * -0.6 (docs/adapter.md, "2026-12-07, late").
 */
export const DEFAULT_COLLECT: CollectOptions = { candidates: 6, temperature: 1, minMargin: 0.05, maxPairsPerClip: 15, instructed: true, anchors: false, keyed: true };

/** One candidate memory: sampled with `seed` at the collection's temperature, or greedy (null). */
async function writeCandidate(model: PolicyModel, messages: ChatMessage[], frames: RgbFrame[], opts: CollectOptions, seed: number | null): Promise<string> {
  const generate: GenerateOptions = { maxNewTokens: 48, reuseInputs: true, ...(seed === null ? {} : { sample: { temperature: opts.temperature, seed } }) };
  if (!opts.confidence || !model.generateScored) return model.generate(messages, frames, generate);
  const scored = await model.generateScored(messages, frames, generate);
  return dropUncertain(scored.text, scored.tokens, opts.confidence).text;
}

/** Samples candidates for each clip, scores them against the tasks and keeps the separated pairs. */
export async function collectPairs(model: PolicyModel, clips: ClipPrompt[], tasks: RecentTask[], opts: CollectOptions = DEFAULT_COLLECT): Promise<PairCollection> {
  const profile = taskProfile(tasks);
  const focus = opts.anchors ? anchorFocus(profile) : null;
  const plan = opts.askedFocus ? focusPlan(profile, opts.candidates - 1) : [...MEMORY_FOCUSES];
  const pairs: TrainingPair[] = [];
  let candidates = 0;
  let tiedClips = 0;
  for (const [i, clip] of clips.entries()) {
    if (opts.signal?.aborted) break;
    const raws: string[] = [];
    model.setSteer(opts.samplingVector ?? null);
    for (let k = 0; k < opts.candidates; k++) {
      const seed = fnv1a(`${clip.key[0]}:${clip.key[1]}:${k}:${opts.seed ?? 0}`);
      raws.push(await writeCandidate(model, candidatePrompt(clip, k, !!opts.instructed, plan), clip.frames, opts, seed));
    }
    if (opts.anchors) raws.push(...(await anchorCandidates(model, clip, focus, opts)));
    const texts: string[] = [];
    for (const raw of raws) {
      // Only memories the memorizer would store can be preferred or dispreferred.
      const verdict = validateMemory(raw, clip.window, DEFAULT_RULES);
      if (verdict.ok) texts.push(verdict.text);
    }
    candidates += texts.length;
    const scored = texts.map((text, k) => ({
      text,
      reward: scoreCandidate(profile, text, { keyed: opts.keyed, askedEvents: opts.askedEvents, ...(opts.consensus ? { consensus: { others: texts.filter((_, j) => j !== k) } } : {}) }).reward,
    }));
    const built = buildPairs(scored, { minMargin: opts.minMargin, maxPairs: opts.maxPairsPerClip });
    if (!built.length) tiedClips++;
    model.setSteer(null);
    for (const p of built) {
      // Reference log-probabilities: the plain model, computed once.
      const refChosen = await model.completionLogProb(clip.messages, clip.frames, p.chosen);
      const refRejected = await model.completionLogProb(clip.messages, clip.frames, p.rejected);
      pairs.push({ clip, chosen: p.chosen, rejected: p.rejected, margin: p.margin, refChosen, refRejected, policyChosen: refChosen, policyRejected: refRejected });
    }
    opts.onClip?.(i + 1, clips.length);
  }
  model.setSteer(null);
  return { pairs, clips: clips.length, candidates, tiedClips };
}

export interface SteerTrainingOptions {
  steps: number;
  lr: number;
  perturbation: number;
  beta: number;
  /** Pairs per step; each step evaluates the loss twice on the same minibatch. */
  batch: number;
  /** L2 pull toward the plain model, so details no task asked for are not traded away. */
  l2: number;
  /** Weight of the chosen memories' likelihood (chosenLikelihoodLoss) added to the DPO loss; 0 = DPO alone. */
  chosenWeight?: number;
  /** SPSA directions averaged per step (SpsaOptions.directions; default 1), each on its own minibatch. */
  directions?: number;
  /** Share of the last SPSA steps whose iterates are averaged into the vector (SpsaOptions.tailAverage); 0 = the last iterate. */
  tailAverage?: number;
  /**
   * The trained vector is returned (stored, applied) multiplied by this, a steering coefficient as
   * in activation-addition work; default 1. A start vector (`init`, e.g. the active adapter) is
   * divided by it first, so retraining from a stored vector does not compound the factor.
   */
  strength?: number;
  maxNorm: number;
  seed: number;
  init?: Float32Array;
  signal?: AbortSignal;
  onStep?: (info: { step: number; steps: number; loss: number; norm: number }) => void;
}

/**
 * Tuned on tuning seeds (focus color): a steer after layer 1 of the fixture moves its outputs only
 * when its norm is comparable to the residual stream's, so probes and steps are large. The chosen
 * memories' likelihood (weight 1) beside DPO lifted colour accuracy there from +5.4 / +2.0 points
 * (DPO alone, two seeds) to +7.4 / +8.8. With one SPSA direction per step about half of the
 * trained vector is random-walk noise (128 numbers, 120 steps); four directions averaged per step
 * leave a vector half as long that fits the pairs better (pair accuracy 89% against 79%), and
 * applied at twice its size it gave +8.8 / +4.2 there, where the one-direction vector doubled lost
 * (+3.4 / +2.8). On 32 streams no setting was compared on, +8.2 / +3.3 (docs/adapter.md).
 */
export const DEFAULT_STEER_TRAINING: Omit<SteerTrainingOptions, 'seed'> = {
  steps: 120, lr: 1, perturbation: 1, beta: 0.5, batch: 12, l2: 0.0005, chosenWeight: 1, directions: 4, strength: 2, maxNorm: 30,
};

export interface SteerTrainingResult {
  vector: Float32Array;
  stoppedEarly: boolean;
  metrics: {
    pairs: number;
    steps: number;
    lossBefore: number;
    lossAfter: number;
    pairAccuracyAfter: number;
    marginAfter: number;
    norm: number;
  };
}

async function policyLogProbs(model: PolicyModel, pairs: TrainingPair[], vector: Float32Array): Promise<DpoPairLogProbs[]> {
  model.setSteer(vector);
  const out: DpoPairLogProbs[] = [];
  for (const p of pairs) {
    out.push({
      refChosen: p.refChosen,
      refRejected: p.refRejected,
      policyChosen: await model.completionLogProb(p.clip.messages, p.clip.frames, p.chosen),
      policyRejected: await model.completionLogProb(p.clip.messages, p.clip.frames, p.rejected),
    });
  }
  return out;
}

/** DPO on the steer vector only, with SPSA gradient estimates; the model's steer is left at null. */
export async function trainSteer(model: PolicyModel, pairs: TrainingPair[], hiddenSize: number, opts: SteerTrainingOptions): Promise<SteerTrainingResult> {
  const strength = opts.strength ?? 1;
  if (!(strength > 0) || !Number.isFinite(strength)) throw new RangeError(`strength must be a positive number, got ${strength}`);
  const init = opts.init ? Float32Array.from(opts.init, (x) => x / strength) : new Float32Array(hiddenSize);
  if (init.length !== hiddenSize) throw new Error(`initial vector has ${init.length} numbers, the model needs ${hiddenSize}`);
  const pick = mulberry32(opts.seed ^ 0x5eed);
  let batch: TrainingPair[] = [];
  const nextBatch = () => {
    batch = Array.from({ length: Math.min(opts.batch, pairs.length) }, () => pairs[Math.floor(pick() * pairs.length)]!);
  };
  const l2 = (v: Float32Array) => opts.l2 * vectorNorm(v) ** 2;
  try {
    const lossBefore = dpoBatchLoss(await policyLogProbs(model, pairs, opts.init ?? init), opts.beta);
    let calls = 0;
    const result = await trainSpsa({
      init,
      steps: pairs.length ? opts.steps : 0,
      lr: opts.lr,
      perturbation: opts.perturbation,
      directions: opts.directions,
      tailAverage: opts.tailAverage,
      seed: opts.seed,
      maxNorm: opts.maxNorm,
      signal: opts.signal,
      // Both probes of a step see the same minibatch, so their difference measures the vector only.
      loss: async (v) => {
        if (calls++ % 2 === 0) nextBatch();
        const logProbs = await policyLogProbs(model, batch, v);
        const chosen = opts.chosenWeight ? opts.chosenWeight * chosenLikelihoodLoss(logProbs, opts.beta) : 0;
        return dpoBatchLoss(logProbs, opts.beta) + chosen + l2(v);
      },
      onStep: (info) => opts.onStep?.({ step: info.step, steps: info.steps, loss: info.loss, norm: info.norm }),
    });
    const vector = Float32Array.from(result.vector, (x) => x * strength);
    // The metrics describe the vector as stored and applied.
    const after = await policyLogProbs(model, pairs, vector);
    const m = dpoMetrics(after, opts.beta);
    return {
      vector,
      stoppedEarly: result.stoppedEarly,
      metrics: {
        pairs: pairs.length,
        steps: result.history.length,
        lossBefore,
        lossAfter: m.loss,
        pairAccuracyAfter: m.accuracy,
        marginAfter: m.rewardMargin,
        norm: vectorNorm(vector),
      },
    };
  } finally {
    model.setSteer(null);
  }
}

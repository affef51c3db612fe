/**
 * What one adapter training actually used: every collection and training setting after the
 * defaults were filled in. adapter:train writes it into the adapter file, adapter:results into
 * each row of its --json counts, and adapter:pool groups rows by it, so a row named `default` in a
 * file written when the default kept 3 pairs per clip never pools with one written after it kept 15.
 */
import { DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, type CollectOptions, type SteerTrainingOptions } from '../../src/adapter/phase-two';
import { DEFAULT_MAX_PAIRS, DEFAULT_MIN_MARGIN } from '../../src/adapter/pairs';
import type { ConfidenceLimits } from '../../src/memorize/confidence';
import type { SteerHandle } from '../../src/memorize/steer-binding';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';

type SteerSettings = Omit<SteerTrainingOptions, 'seed' | 'init' | 'signal' | 'onStep'>;

export interface TrainingSettings {
  collect: {
    candidates: number;
    temperature: number;
    minMargin: number;
    maxPairsPerClip: number;
    instructed: boolean;
    /** Instructed candidates stress the asked details in proportion (CollectOptions.askedFocus), not every detail in turn. */
    askedFocus: boolean;
    /** Greedy plain and told candidates beside the samples (CollectOptions.anchors). */
    anchors: boolean;
    keyed: boolean;
    consensus: boolean;
    askedEvents: boolean;
    /** What was dropped from candidates before scoring; null = scored as sampled. */
    confidence: ConfidenceLimits | null;
  };
  /** SteerTrainingOptions with every optional setting filled in. */
  steer: Required<SteerSettings>;
  rounds: number;
  /** Mixed into the candidates' sampling seeds and the SPSA directions. */
  seed: number;
  /** Which positions the vector is added to (SteerHandle.positions). */
  steerPositions: SteerHandle['positions'];
  /** The decoder layer the vector is added after (the prepared decoder's, preparedModelSpec). */
  layer: number;
}

export function trainingSettings(collect: CollectOptions, steer: SteerSettings, extra: Pick<TrainingSettings, 'rounds' | 'seed' | 'steerPositions' | 'layer'>): TrainingSettings {
  return {
    collect: {
      candidates: collect.candidates,
      temperature: collect.temperature,
      // What buildPairs uses when the collection leaves them unset.
      minMargin: collect.minMargin ?? DEFAULT_MIN_MARGIN,
      maxPairsPerClip: collect.maxPairsPerClip ?? DEFAULT_MAX_PAIRS,
      instructed: !!collect.instructed,
      askedFocus: !!collect.askedFocus,
      anchors: !!collect.anchors,
      keyed: !!collect.keyed,
      consensus: !!collect.consensus,
      askedEvents: !!collect.askedEvents,
      confidence: collect.confidence ?? null,
    },
    steer: {
      steps: steer.steps,
      lr: steer.lr,
      perturbation: steer.perturbation,
      beta: steer.beta,
      batch: steer.batch,
      l2: steer.l2,
      chosenWeight: steer.chosenWeight ?? 0,
      directions: steer.directions ?? 1,
      tailAverage: steer.tailAverage ?? 0,
      strength: steer.strength ?? 1,
      maxNorm: steer.maxNorm,
    },
    ...extra,
  };
}

/** Today's defaults, as trainAdapter fills them in when no option is given, on the committed fixture. */
export const defaultTrainingSettings = (): TrainingSettings =>
  trainingSettings({ ...DEFAULT_COLLECT }, DEFAULT_STEER_TRAINING, { rounds: 1, seed: 1, steerPositions: 'all', layer: getModelSpec(FIXTURE_MODEL_ID).steer.layer });

/**
 * The layer of every recorded training before the layer was recorded (end of 2026-12-07): the committed
 * fixture's. The runs on decoders moved to other layers (docs/adapter-runs/tuning/*-layer0.json,
 * *-layer2.json) had theirs written into their files by hand, from how they were made.
 */
const LAYER_BEFORE_RECORDED = 1;

/**
 * Settings recorded before a setting existed, with that setting at the value every training had
 * then (tail averaging came on 2026-12-07, night, greedy anchors on 2026-12-07, late, the layer on
 * the end of 2026-12-07, instructions by the asked details on 2026-12-08), so old rows still pool with new rows trained alike.
 */
export function withLaterSettings(s: TrainingSettings): TrainingSettings {
  return {
    ...s,
    collect: { ...s.collect, anchors: s.collect.anchors ?? false, askedFocus: s.collect.askedFocus ?? false },
    steer: { ...s.steer, tailAverage: s.steer.tailAverage ?? 0 },
    layer: s.layer ?? LAYER_BEFORE_RECORDED,
  };
}

/** The same string for the same settings, whatever order their keys were written in. */
export function settingsKey(s: TrainingSettings): string {
  s = withLaterSettings(s);
  const canonical = (x: unknown): unknown =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canonical((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(canonical(s));
}

/** Each setting in words; the phrases describeSettings joins. */
function phrases(s: TrainingSettings): Record<string, string> {
  s = withLaterSettings(s);
  const c = s.collect, t = s.steer;
  return {
    steps: `${t.steps} steps of ${t.directions} SPSA direction${t.directions === 1 ? '' : 's'}`,
    average: t.tailAverage ? `the mean of the last ${Math.round(100 * t.tailAverage)}% of the SPSA iterates` : 'the last SPSA iterate',
    strength: `strength ${t.strength}`,
    sgd: `lr ${t.lr}, probe ${t.perturbation}, beta ${t.beta}, batch ${t.batch}, l2 ${t.l2}, norm at most ${t.maxNorm}`,
    temperature: `T ${c.temperature}`,
    candidates: `${c.candidates} ${c.instructed ? (c.askedFocus ? 'instructed (the asked details, in proportion)' : 'instructed') : 'plain-prompt'} candidates per clip`,
    anchors: c.anchors ? 'the greedy plain and told memories among them' : 'sampled candidates only (no greedy anchors)',
    pairs: `at most ${c.maxPairsPerClip} pairs per clip`,
    margin: `reward margin over ${c.minMargin}`,
    confidence: c.confidence ? 'scored without unsure details' : 'scored as sampled',
    reward: `reward ${c.keyed ? 'keyed to named objects' : 'counting every detail word'}${c.consensus ? ', consensus only' : ''}${c.askedEvents ? ', places of asked events only' : ''}`,
    loss: t.chosenWeight ? `DPO + chosen likelihood weighted ${t.chosenWeight}` : 'DPO alone',
    rounds: s.rounds === 1 ? 'one round' : `${s.rounds} rounds, each later one on candidates sampled under the vector so far`,
    seed: `seed ${s.seed}`,
    positions: s.steerPositions === 'all' ? 'steered at every position' : 'steered after the images only',
    layer: `after decoder layer ${s.layer}`,
  };
}

/**
 * The settings in words. With `base`, only the phrases that differ from it (empty when none do),
 * so a variant's row says what it changed and the default's row says everything.
 */
export function describeSettings(s: TrainingSettings, base?: TrainingSettings): string {
  const mine = phrases(s);
  if (!base) return Object.values(mine).join(', ');
  const theirs = phrases(base);
  return Object.keys(mine).filter((k) => mine[k] !== theirs[k]).map((k) => mine[k]).join(', ');
}

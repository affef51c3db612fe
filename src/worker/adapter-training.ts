/**
 * Phase Two inside the worker, next to live memorization. Training reaches the model only through
 * `lockedPolicy`: every generate / log-probability call takes the model lock on its own and sets the
 * vector training wants for that call, so memorization (which sets the active adapter vector under
 * the same lock) runs between any two training calls and never sees a training vector.
 */
import { collectPairs, trainSteer, DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, type ClipPrompt, type PolicyModel } from '../adapter/phase-two';
import type { RecentTask } from '../adapter/reward';
import type { ModelLock } from './model-lock';
import type { AdapterMetrics, AdapterProgress, AdapterTrainingOptions } from './protocol';

/**
 * A PolicyModel whose every call runs under `lock` with the vector last given to its setSteer
 * (captured when the call is made). After `signal` aborts, calls throw before reaching the model,
 * so a cancel takes effect within one model call.
 */
export function lockedPolicy(lock: ModelLock, model: PolicyModel, signal?: AbortSignal): PolicyModel {
  let vector: Float32Array | null = null;
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    const own = vector;
    return lock.run(() => {
      signal?.throwIfAborted();
      model.setSteer(own);
      return fn();
    });
  };
  return {
    setSteer: (v) => {
      vector = v ? Float32Array.from(v) : null;
    },
    generate: (m, f, o) => call(() => model.generate(m, f, o)),
    ...(model.generateScored ? { generateScored: (m, f, o) => call(() => model.generateScored!(m, f, o)) } : {}),
    completionLogProb: (m, f, c) => call(() => model.completionLogProb(m, f, c)),
  };
}

export class NothingToLearnError extends Error {}

export interface AdapterRun {
  policy: PolicyModel;
  clips: ClipPrompt[];
  tasks: RecentTask[];
  hiddenSize: number;
  /** The active vector: a new version continues from it (null = from the plain model). */
  init: Float32Array | null;
  options: AdapterTrainingOptions;
  signal: AbortSignal;
  onProgress: (p: AdapterProgress) => void;
}

export interface AdapterRunResult {
  vector: Float32Array;
  metrics: AdapterMetrics;
  clipKeys: [string, number][];
}

export async function runAdapterTraining(run: AdapterRun): Promise<AdapterRunResult> {
  const { policy, clips, tasks, options: o, signal, onProgress } = run;
  if (!tasks.length) throw new NothingToLearnError('no questions asked yet: the adapter learns what to remember from your questions');
  if (!clips.length) throw new NothingToLearnError('no recently memorized clips to learn from: memorize a stream first');
  const started = performance.now();
  // One seed for the candidates and the SPSA directions, as adapter:train uses: the same clips and
  // questions then train the same vector in the app and in Node.
  const seed = o.seed ?? 1;
  onProgress({ phase: 'collect', done: 0, total: clips.length, loss: null });
  const collected = await collectPairs(policy, clips, tasks, {
    ...DEFAULT_COLLECT,
    candidates: o.candidates ?? DEFAULT_COLLECT.candidates,
    temperature: o.temperature ?? DEFAULT_COLLECT.temperature,
    seed,
    signal,
    onClip: (done, total) => onProgress({ phase: 'collect', done, total, loss: null }),
  });
  signal.throwIfAborted();
  if (!collected.pairs.length)
    throw new NothingToLearnError(`nothing to learn from these ${clips.length} clips: every clip's candidate memories served your questions equally well`);
  const steps = o.steps ?? DEFAULT_STEER_TRAINING.steps;
  onProgress({ phase: 'train', done: 0, total: steps, loss: null });
  const trained = await trainSteer(policy, collected.pairs, run.hiddenSize, {
    ...DEFAULT_STEER_TRAINING,
    steps,
    batch: o.batch ?? DEFAULT_STEER_TRAINING.batch,
    directions: o.directions ?? DEFAULT_STEER_TRAINING.directions,
    seed,
    init: run.init ?? undefined,
    signal,
    onStep: (s) => onProgress({ phase: 'train', done: s.step + 1, total: s.steps, loss: s.loss }),
  });
  // A cancel that arrives after the last model call is still honoured: the page asked for no new version.
  signal.throwIfAborted();
  return {
    vector: trained.vector,
    metrics: {
      ...trained.metrics,
      clips: collected.clips,
      candidates: collected.candidates,
      tiedClips: collected.tiedClips,
      seconds: (performance.now() - started) / 1000,
    },
    clipKeys: clips.map((c) => c.key),
  };
}

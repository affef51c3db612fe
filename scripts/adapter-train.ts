/**
 * Trains TaskMem's steer adapter in Node on the questions asked in the FIRST half of each stream
 * (and only those), as the app does on-device from its task log (src/adapter/phase-two.ts).
 *
 *   npm run adapter:train -- MANIFEST... --out ADAPTER.json [--steps N] [--directions D] [--strength X] [--candidates K] [--pairs-per-clip P] [--seed S] [--rounds R] [--asked-focus]
 *
 * Then `npm run eval -- MANIFEST... --questions second-half --adapter ADAPTER.json` (and
 * `--adapter none`) scores the second half's questions with and without it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadManifest } from './lib/load-manifest';
import { clipFramesOf, openManifestFrames } from './lib/frame-source';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { halfTime } from './eval';
import { Vlm } from '../src/memorize/vlm';
import { Memorizer } from '../src/memorize/memorizer';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { inferQuestionType } from '../src/recall/question-type';
import { clipPromptOf, collectPairs, trainSteer, DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, type ClipPrompt, type CollectOptions, type PairCollection, type PolicyModel, type TrainingPair } from '../src/adapter/phase-two';
import type { RecentTask } from '../src/adapter/reward';
import type { ConfidenceLimits } from '../src/memorize/confidence';
import { fnv1a } from '../src/util/fnv1a';
import { trainingSettings, type TrainingSettings } from './lib/adapter-settings';

/** Node has room to keep every training clip's preprocessed inputs (about 1.2 MB each for the fixture). */
export const TRAINING_INPUTS_CACHE_BYTES = 512 * 2 ** 20;

export function policyOf(vlm: Vlm): PolicyModel {
  if (!vlm.steer) throw new Error(`${vlm.spec.id} has no steer input; prepare it with npm run prepare-steer`);
  const steer = vlm.steer;
  return {
    generate: (m, f, o) => vlm.generate(m, f, o),
    generateScored: (m, f, o) => vlm.generateScored(m, f, o),
    completionLogProb: (m, f, c) => vlm.completionLogProb(m, f, c),
    setSteer: (v) => steer.set(v),
  };
}

export interface AdapterTrainOptions {
  modelId?: string;
  steps?: number;
  candidates?: number;
  /** Most pairs kept per clip (default DEFAULT_COLLECT's). */
  maxPairsPerClip?: number;
  /** Smallest reward difference a pair needs (default DEFAULT_COLLECT's). */
  minMargin?: number;
  /** Sampling temperature of the candidate memories (default DEFAULT_COLLECT's). */
  temperature?: number;
  /** Reward only details the other candidates of the clip state too (default DEFAULT_COLLECT's). */
  consensus?: boolean;
  /** Reward only details tied to a named object (default DEFAULT_COLLECT's). */
  keyed?: boolean;
  /** Count places only for the events recent place questions ask about (default DEFAULT_COLLECT's). */
  askedEvents?: boolean;
  /** Sample candidates from prompts that ask to stress each detail (default DEFAULT_COLLECT's). */
  instructed?: boolean;
  /** Add the greedy plain and told memories to each clip's candidates (default DEFAULT_COLLECT's). */
  anchors?: boolean;
  /** CollectOptions.askedFocus. */
  askedFocus?: boolean;
  /** Score candidates without the details the model was unsure of (default DEFAULT_COLLECT's; null = off). */
  confidence?: ConfidenceLimits | null;
  /** Weight of the chosen memories' likelihood beside the DPO loss (SteerTrainingOptions.chosenWeight). */
  chosenWeight?: number;
  /** SPSA directions averaged per step (SteerTrainingOptions.directions). */
  directions?: number;
  /** Share of the last SPSA steps averaged into the vector (SteerTrainingOptions.tailAverage). */
  tailAverage?: number;
  /** Factor the trained vector is stored and applied at (SteerTrainingOptions.strength). */
  strength?: number;
  /**
   * Rounds of Phase Two on the same clips and questions (default 1). Each later round samples its
   * candidates under the vector the round before trained (on-policy: what the adapted model now
   * writes), scores them with the same reward and trains on from that vector; the reference stays
   * the plain model.
   */
  rounds?: number;
  seed?: number;
  vlm?: Vlm;
  /**
   * What earlier trainings of the same process computed (adapter:results' variants): sampling is
   * seeded, so a reused pair or sample is the one a fresh collection would draw.
   */
  cache?: TrainingCache;
  log?: (line: string) => void;
}

export interface AdapterFileJson {
  format: 'taskmem-adapter';
  modelId: string;
  layer: number;
  hiddenSize: number;
  version: number;
  vector: number[];
  trainedOn: { manifests: string[]; tasks: number; taskTypes: Record<string, number>; clips: number; candidates: number; pairs: number };
  metrics: Record<string, number>;
  /** Every setting the training used, defaults filled in (what adapter:pool groups rows by). */
  settings: TrainingSettings;
}

/** One stream's first-half clips as the memorizer prompted them, and the pairs one round drew from them. */
export interface StreamCollection {
  prompts: ClipPrompt[];
  collected: PairCollection;
}

/**
 * Work trainings in one process share. `collections`: a stream's pairs by its collection settings,
 * so variants that differ only in training skip collection. `prompts`: each stream's first half,
 * memorized once. `calls`: the model calls a collection makes (seeded samples, and reference
 * log-probabilities under the plain model), so a collection that differs only in which pairs it
 * keeps (maxPairsPerClip, minMargin) or in how it scores reruns no model call.
 */
export class TrainingCache {
  readonly collections = new Map<string, StreamCollection>();
  readonly prompts = new Map<string, ClipPrompt[]>();
  readonly calls = new Map<string, unknown>();
}

/** `policy` with its sampling calls and its plain-model log-probabilities kept in `calls`. */
export function memoizedPolicy(policy: PolicyModel, calls: Map<string, unknown>): PolicyModel {
  // A clip's frames are one array for as long as its prompt lives; keys name it by a number.
  const frameIds = new WeakMap<object, number>();
  let nextFrameId = 0;
  const frameId = (frames: object) => {
    if (!frameIds.has(frames)) frameIds.set(frames, nextFrameId++);
    return frameIds.get(frames)!;
  };
  let steer = 'plain';
  // A digest, not the JSON itself: every key would otherwise hold its whole prompt, tens of
  // thousands of them in a run of several variants.
  const keyOf = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64');
  const once = async <T>(key: string, run: () => Promise<T>): Promise<T> => {
    if (calls.has(key)) return calls.get(key) as T;
    const value = await run();
    calls.set(key, value);
    return value;
  };
  return {
    generate: (m, f, o) => once(keyOf(['generate', steer, frameId(f), m, o ?? null]), () => policy.generate(m, f, o)),
    ...(policy.generateScored ? { generateScored: (m, f, o) => once(keyOf(['scored', steer, frameId(f), m, o ?? null]), () => policy.generateScored!(m, f, o)) } : {}),
    // Training probes every log-probability under a new vector: only the plain model's repeat.
    completionLogProb: (m, f, c) => (steer === 'plain' ? once(keyOf(['logprob', frameId(f), m, c]), () => policy.completionLogProb(m, f, c)) : policy.completionLogProb(m, f, c)),
    setSteer: (v) => {
      steer = v ? String(fnv1a(Array.from(v).join(','))) : 'plain';
      policy.setSteer(v);
    },
  };
}

/** Memorizes a stream's first half with the plain model, keeping each clip's prompt and frames. */
async function firstHalfPrompts(vlm: Vlm, policy: PolicyModel, manifest: ReturnType<typeof loadManifest>, half: number): Promise<ClipPrompt[]> {
  const source = openManifestFrames(manifest);
  const memorizer = new Memorizer(vlm);
  policy.setSteer(null);
  const clips: ClipPrompt[] = [];
  for (let c = 0; (c + 1) * manifest.clipSeconds <= half + 1e-9; c++) {
    const t0 = c * manifest.clipSeconds;
    const t1 = t0 + manifest.clipSeconds;
    const clip = { streamId: manifest.id, clipIndex: c, t0, t1, frames: await clipFramesOf(source, t0, t1, vlm.spec.frame.perClip) };
    clips.push(clipPromptOf(clip, memorizer.windowFor(manifest.id), vlm.spec.frame.framesPerImage));
    await memorizer.memorize(clip);
  }
  return clips;
}

/** What a collection is cached under: its settings, and for a later round the vector it sampled under. */
function collectionKey(path: string, modelId: string, collect: CollectOptions): string {
  const { samplingVector, ...settings } = collect;
  return JSON.stringify([path, modelId, settings, samplingVector ? fnv1a(Array.from(samplingVector).join(',')) : null]);
}

/** DEFAULT_COLLECT with every option the caller set; `confidence: null` turns the cut off. */
export function collectOptions(opts: AdapterTrainOptions, seed: number): CollectOptions {
  const { candidates, maxPairsPerClip, minMargin, temperature, consensus, keyed, askedEvents, instructed, askedFocus, anchors } = opts;
  const set = Object.fromEntries(Object.entries({ candidates, maxPairsPerClip, minMargin, temperature, consensus, keyed, askedEvents, instructed, askedFocus, anchors }).filter(([, v]) => v !== undefined));
  const confidence = opts.confidence === undefined ? DEFAULT_COLLECT.confidence : (opts.confidence ?? undefined);
  return { ...DEFAULT_COLLECT, ...set, confidence, seed };
}

export async function trainAdapter(manifestPaths: string[], opts: AdapterTrainOptions = {}): Promise<AdapterFileJson> {
  const log = opts.log ?? (() => {});
  useLocalModels();
  const spec = opts.vlm?.spec ?? (await preparedModelSpec(opts.modelId ?? FIXTURE_MODEL_ID));
  const vlm = opts.vlm ?? (await Vlm.load(spec, { inputsCacheBytes: TRAINING_INPUTS_CACHE_BYTES }));
  const policy = opts.cache ? memoizedPolicy(policyOf(vlm), opts.cache.calls) : policyOf(vlm);
  const seed = opts.seed ?? 1;
  const rounds = opts.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a whole number of at least 1, not ${opts.rounds}`);
  const taskTypes: Record<string, number> = {};
  let tasksUsed = 0, clipsUsed = 0, candidates = 0, pairsUsed = 0;
  const collect = collectOptions(opts, seed);
  try {
    const streams = manifestPaths.map((path) => {
      const manifest = loadManifest(path);
      const half = halfTime(manifest.video.durationSeconds, manifest.clipSeconds);
      // The task log of the first half: what this user asked before the adapter is trained.
      const tasks: RecentTask[] = manifest.questions.filter((q) => q.t < half).map((q) => ({ type: inferQuestionType(q.question), question: q.question }));
      for (const t of tasks) taskTypes[t.type] = (taskTypes[t.type] ?? 0) + 1;
      tasksUsed += tasks.length;
      return { path, manifest, half, tasks, prompts: null as ClipPrompt[] | null };
    });
    const steerOptions = {
      ...DEFAULT_STEER_TRAINING,
      steps: opts.steps ?? DEFAULT_STEER_TRAINING.steps,
      chosenWeight: opts.chosenWeight ?? DEFAULT_STEER_TRAINING.chosenWeight,
      directions: opts.directions ?? DEFAULT_STEER_TRAINING.directions,
      tailAverage: opts.tailAverage ?? DEFAULT_STEER_TRAINING.tailAverage,
      strength: opts.strength ?? DEFAULT_STEER_TRAINING.strength,
    };
    const settings = trainingSettings(collect, steerOptions, { rounds, seed, steerPositions: vlm.steer!.positions, layer: spec.steer.layer });
    let result: Awaited<ReturnType<typeof trainSteer>> | undefined;
    let lossBefore = NaN;
    let trainMs = 0;
    for (let round = 1; round <= rounds; round++) {
      // A later round draws other candidates (its own seed) under the vector trained so far.
      const roundSeed = seed + 1000 * (round - 1);
      const roundCollect: CollectOptions = round === 1 ? collect : { ...collect, seed: roundSeed, samplingVector: result!.vector };
      const pairs: TrainingPair[] = [];
      for (const stream of streams) {
        const cacheKey = collectionKey(stream.path, spec.id, roundCollect);
        let got = opts.cache?.collections.get(cacheKey);
        if (!got) {
          const promptsKey = JSON.stringify([stream.path, spec.id]);
          const prompts = stream.prompts ?? opts.cache?.prompts.get(promptsKey) ?? (await firstHalfPrompts(vlm, policy, stream.manifest, stream.half));
          opts.cache?.prompts.set(promptsKey, prompts);
          got = { prompts, collected: await collectPairs(policy, prompts, stream.tasks, roundCollect) };
          opts.cache?.collections.set(cacheKey, got);
        }
        stream.prompts = got.prompts;
        const c = got.collected;
        pairs.push(...c.pairs);
        if (round === 1) {
          clipsUsed += c.clips;
          candidates += c.candidates;
        }
        log(`${rounds > 1 ? `round ${round}: ` : ''}${stream.manifest.id}: ${stream.tasks.length} tasks, ${c.clips} clips, ${c.candidates} valid candidates, ${c.pairs.length} pairs (${c.tiedClips} clips tied)`);
      }
      if (!pairs.length) {
        if (round === 1) throw new Error('no preference pairs: the first halves asked no questions, or every clip\'s candidates scored alike');
        log(`round ${round}: no pairs, the vector stays as round ${round - 1} left it`);
        break;
      }
      pairsUsed += pairs.length;
      const started = performance.now();
      result = await trainSteer(policy, pairs, spec.steer.hiddenSize, {
        ...steerOptions,
        seed: roundSeed,
        init: result?.vector,
        onStep: (s) => {
          if ((s.step + 1) % 10 === 0) log(`${rounds > 1 ? `round ${round} ` : ''}step ${s.step + 1}/${s.steps}: loss ${s.loss.toFixed(4)}, |v| ${s.norm.toFixed(3)}`);
        },
      });
      trainMs += performance.now() - started;
      if (round === 1) lossBefore = result.metrics.lossBefore;
    }
    const { vector, metrics } = result!;
    return {
      format: 'taskmem-adapter',
      modelId: spec.id,
      layer: spec.steer.layer,
      hiddenSize: spec.steer.hiddenSize,
      version: 1,
      vector: Array.from(vector),
      trainedOn: { manifests: manifestPaths, tasks: tasksUsed, taskTypes, clips: clipsUsed, candidates, pairs: pairsUsed },
      // The last round's figures, except the loss before: the plain model's, on the first round's pairs.
      metrics: { ...metrics, pairs: pairsUsed, lossBefore, rounds, trainSeconds: trainMs / 1000 },
      settings,
    };
  } finally {
    policy.setSteer(null);
    if (!opts.vlm) await vlm.dispose();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const valued = new Set(['--out', '--steps', '--directions', '--strength', '--candidates', '--pairs-per-clip', '--seed', '--model', '--rounds']);
  const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
  const manifests = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
  const out = flag('out');
  if (!manifests.length || !out) {
    console.error('usage: npm run adapter:train -- MANIFEST... --out ADAPTER.json [--steps N] [--directions D] [--strength X] [--candidates K] [--pairs-per-clip P] [--seed S] [--rounds R] [--asked-focus]');
    process.exit(2);
  }
  const adapter = await trainAdapter(manifests, {
    modelId: flag('model'),
    steps: flag('steps') ? Number(flag('steps')) : undefined,
    directions: flag('directions') ? Number(flag('directions')) : undefined,
    strength: flag('strength') ? Number(flag('strength')) : undefined,
    candidates: flag('candidates') ? Number(flag('candidates')) : undefined,
    maxPairsPerClip: flag('pairs-per-clip') ? Number(flag('pairs-per-clip')) : undefined,
    seed: flag('seed') ? Number(flag('seed')) : undefined,
    rounds: flag('rounds') ? Number(flag('rounds')) : undefined,
    // The instructed candidates stress the asked details in proportion (CollectOptions.askedFocus).
    askedFocus: args.includes('--asked-focus') ? true : undefined,
    log: (l) => process.stderr.write(l + '\n'),
  });
  writeFileSync(out, JSON.stringify(adapter, null, 1));
  const m = adapter.metrics;
  console.log(`${adapter.trainedOn.pairs} pairs from ${adapter.trainedOn.tasks} tasks (${JSON.stringify(adapter.trainedOn.taskTypes)}): DPO loss ${m.lossBefore!.toFixed(4)} -> ${m.lossAfter!.toFixed(4)}, pair accuracy ${(100 * m.pairAccuracyAfter!).toFixed(1)}%, |v| ${m.norm!.toFixed(3)}, ${m.trainSeconds!.toFixed(0)} s -> ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(`adapter:train: ${(e as Error).message}`);
    process.exit(1);
  });

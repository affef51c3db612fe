/**
 * Trains TaskMem's steer adapter in Node on the questions asked in the FIRST half of each stream
 * (and only those), as the app does on-device from its task log (src/adapter/phase-two.ts).
 *
 *   npm run adapter:train -- MANIFEST... --out ADAPTER.json [--steps N] [--candidates K] [--seed S]
 *
 * Then `npm run eval -- MANIFEST... --questions second-half --adapter ADAPTER.json` (and
 * `--adapter none`) scores the second half's questions with and without it.
 */
import { writeFileSync } from 'node:fs';
import { loadManifest } from './lib/load-manifest';
import { clipFramesOf, openManifestFrames } from './lib/frame-source';
import { useLocalModels } from './lib/node-models';
import { halfTime } from './eval';
import { Vlm } from '../src/memorize/vlm';
import { Memorizer } from '../src/memorize/memorizer';
import { getModelSpec, FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { inferQuestionType } from '../src/recall/question-type';
import { clipPromptOf, collectPairs, trainSteer, DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, type ClipPrompt, type CollectOptions, type PairCollection, type PolicyModel, type TrainingPair } from '../src/adapter/phase-two';
import type { RecentTask } from '../src/adapter/reward';
import type { ConfidenceLimits } from '../src/memorize/confidence';

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
  /** Sampling temperature of the candidate memories (default DEFAULT_COLLECT's). */
  temperature?: number;
  /** Reward only details the other candidates of the clip state too (default DEFAULT_COLLECT's). */
  consensus?: boolean;
  /** Reward only details tied to a named object (default DEFAULT_COLLECT's). */
  keyed?: boolean;
  /** Sample candidates from prompts that ask to stress each detail (default DEFAULT_COLLECT's). */
  instructed?: boolean;
  /** Score candidates without the details the model was unsure of (default DEFAULT_COLLECT's; null = off). */
  confidence?: ConfidenceLimits | null;
  /** Weight of the chosen memories' likelihood beside the DPO loss (SteerTrainingOptions.chosenWeight). */
  chosenWeight?: number;
  seed?: number;
  vlm?: Vlm;
  /**
   * Pairs collected before, by stream and collection settings: runs that differ only in training
   * (adapter:results' variants) reuse them. Sampling is seeded, so they are the pairs a fresh
   * collection would draw.
   */
  pairsCache?: Map<string, PairCollection>;
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
}

/** Memorizes a stream's first half with the plain model, keeping each clip's prompt and frames, and collects its pairs. */
async function collectStream(vlm: Vlm, policy: PolicyModel, manifest: ReturnType<typeof loadManifest>, half: number, tasks: RecentTask[], collect: CollectOptions): Promise<PairCollection> {
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
  return collectPairs(policy, clips, tasks, collect);
}

export async function trainAdapter(manifestPaths: string[], opts: AdapterTrainOptions = {}): Promise<AdapterFileJson> {
  const log = opts.log ?? (() => {});
  const spec = getModelSpec(opts.modelId ?? FIXTURE_MODEL_ID);
  useLocalModels();
  const vlm = opts.vlm ?? (await Vlm.load(spec, { inputsCacheBytes: TRAINING_INPUTS_CACHE_BYTES }));
  const policy = policyOf(vlm);
  const seed = opts.seed ?? 1;
  const pairs: TrainingPair[] = [];
  const taskTypes: Record<string, number> = {};
  let tasksUsed = 0, clipsUsed = 0, candidates = 0;
  const collect: CollectOptions = { ...DEFAULT_COLLECT, candidates: opts.candidates ?? DEFAULT_COLLECT.candidates, temperature: opts.temperature ?? DEFAULT_COLLECT.temperature, consensus: opts.consensus ?? DEFAULT_COLLECT.consensus, keyed: opts.keyed ?? DEFAULT_COLLECT.keyed, instructed: opts.instructed ?? DEFAULT_COLLECT.instructed, confidence: opts.confidence === undefined ? DEFAULT_COLLECT.confidence : (opts.confidence ?? undefined), seed };
  try {
    for (const path of manifestPaths) {
      const manifest = loadManifest(path);
      const half = halfTime(manifest.video.durationSeconds, manifest.clipSeconds);
      // The task log of the first half: what this user asked before the adapter is trained.
      const tasks: RecentTask[] = manifest.questions.filter((q) => q.t < half).map((q) => ({ type: inferQuestionType(q.question), question: q.question }));
      for (const t of tasks) taskTypes[t.type] = (taskTypes[t.type] ?? 0) + 1;
      tasksUsed += tasks.length;
      const cacheKey = JSON.stringify([path, spec.id, collect]);
      const got = opts.pairsCache?.get(cacheKey) ?? (await collectStream(vlm, policy, manifest, half, tasks, collect));
      opts.pairsCache?.set(cacheKey, got);
      pairs.push(...got.pairs);
      clipsUsed += got.clips;
      candidates += got.candidates;
      log(`${manifest.id}: ${tasks.length} tasks, ${got.clips} clips, ${got.candidates} valid candidates, ${got.pairs.length} pairs (${got.tiedClips} clips tied)`);
    }
    if (!pairs.length) throw new Error('no preference pairs: the first halves asked no questions, or every clip\'s candidates scored alike');
    const started = performance.now();
    const result = await trainSteer(policy, pairs, spec.steer.hiddenSize, {
      ...DEFAULT_STEER_TRAINING,
      steps: opts.steps ?? DEFAULT_STEER_TRAINING.steps,
      chosenWeight: opts.chosenWeight ?? DEFAULT_STEER_TRAINING.chosenWeight,
      seed,
      onStep: (s) => {
        if ((s.step + 1) % 10 === 0) log(`step ${s.step + 1}/${s.steps}: loss ${s.loss.toFixed(4)}, |v| ${s.norm.toFixed(3)}`);
      },
    });
    return {
      format: 'taskmem-adapter',
      modelId: spec.id,
      layer: spec.steer.layer,
      hiddenSize: spec.steer.hiddenSize,
      version: 1,
      vector: Array.from(result.vector),
      trainedOn: { manifests: manifestPaths, tasks: tasksUsed, taskTypes, clips: clipsUsed, candidates, pairs: pairs.length },
      metrics: { ...result.metrics, trainSeconds: (performance.now() - started) / 1000 },
    };
  } finally {
    policy.setSteer(null);
    if (!opts.vlm) await vlm.dispose();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const valued = new Set(['--out', '--steps', '--candidates', '--seed', '--model']);
  const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
  const manifests = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
  const out = flag('out');
  if (!manifests.length || !out) {
    console.error('usage: npm run adapter:train -- MANIFEST... --out ADAPTER.json [--steps N] [--candidates K] [--seed S]');
    process.exit(2);
  }
  const adapter = await trainAdapter(manifests, {
    modelId: flag('model'),
    steps: flag('steps') ? Number(flag('steps')) : undefined,
    candidates: flag('candidates') ? Number(flag('candidates')) : undefined,
    seed: flag('seed') ? Number(flag('seed')) : undefined,
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

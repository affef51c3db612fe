/**
 * Phase Two's cost on CPU with the fixture (Node): how long a training round takes (sampling
 * candidates, reference log-probabilities, SPSA steps), per pair and per round, and how much it
 * slows live memorization when both share the model through the worker's FIFO lock, as they do in
 * the app; and what keeping each prompt's preprocessed inputs saves when a pair is scored again.
 * Side by side in one run, so the ratios do not depend on the machine's load elsewhere.
 *
 *   npm run bench:adapter [-- --steps 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { loadManifest } from './lib/load-manifest';
import { clipFramesOf, openManifestFrames } from './lib/frame-source';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { halfTime } from './eval';
import { Vlm } from '../src/memorize/vlm';
import { Memorizer } from '../src/memorize/memorizer';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { ModelLock } from '../src/worker/model-lock';
import { inferQuestionType } from '../src/recall/question-type';
import { clipPromptOf, collectPairs, trainSteer, DEFAULT_COLLECT, DEFAULT_STEER_TRAINING, type ClipPrompt, type PolicyModel } from '../src/adapter/phase-two';
import type { Clip } from '../src/memorize/types';
import { TUNING_SEEDS } from '../src/world/seeds';

const args = process.argv.slice(2);
const steps = Number(args.includes('--steps') ? args[args.indexOf('--steps') + 1] : 20);

useLocalModels();
const spec = await preparedModelSpec(FIXTURE_MODEL_ID);
const vlm = await Vlm.load(spec);
const lock = new ModelLock();
// Every model call runs alone under the lock and sets its own steer vector first, as in the worker.
let trainingSteer: Float32Array | null = null;
const policy: PolicyModel = {
  generate: (m, f, o) => { const v = trainingSteer; return lock.run(() => { vlm.steer!.set(v); return vlm.generate(m, f, o); }); },
  completionLogProb: (m, f, c) => { const v = trainingSteer; return lock.run(() => { vlm.steer!.set(v); return vlm.completionLogProb(m, f, c); }); },
  setSteer: (v) => { trainingSteer = v; },
};
const memorizer = new Memorizer(vlm);
const memorize = (clip: Clip) => lock.run(() => { vlm.steer!.set(null); return memorizer.memorize(clip); });

const dir = mkdtempSync(join(tmpdir(), 'taskmem-bench-adapter-'));
try {
  const { manifestPath } = await writeWorldStream({ seed: TUNING_SEEDS[1]!, outDir: dir, minutes: 4, focus: 'color', video: false });
  const manifest = loadManifest(manifestPath);
  const source = openManifestFrames(manifest);
  const half = halfTime(manifest.video.durationSeconds, manifest.clipSeconds);
  const clipAt = async (c: number): Promise<Clip> => {
    const t0 = c * manifest.clipSeconds, t1 = t0 + manifest.clipSeconds;
    return { streamId: manifest.id, clipIndex: c, t0, t1, frames: await clipFramesOf(source, t0, t1, spec.frame.perClip) };
  };
  const firstHalf = half / manifest.clipSeconds;
  const prompts: ClipPrompt[] = [];
  for (let c = 0; c < firstHalf; c++) {
    const clip = await clipAt(c);
    const window = memorizer.windowFor(manifest.id);
    prompts.push(clipPromptOf(clip, window, spec.frame.framesPerImage));
    await memorize(clip);
  }
  const tasks = manifest.questions.filter((q) => q.t < half).map((q) => ({ type: inferQuestionType(q.question), question: q.question }));

  let t = performance.now();
  const collected = await collectPairs(policy, prompts, tasks, DEFAULT_COLLECT);
  const collectSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await trainSteer(policy, collected.pairs, spec.steer.hiddenSize, { ...DEFAULT_STEER_TRAINING, steps, seed: 1 });
  const trainSeconds = (performance.now() - t) / 1000;

  // Live memorization alone, then while a training round runs beside it.
  const later = Array.from({ length: 6 }, (_, i) => firstHalf + i);
  t = performance.now();
  for (const c of later) await memorize(await clipAt(c));
  const alone = (performance.now() - t) / 1000 / later.length;
  const controller = new AbortController();
  const during = (async () => {
    const started = performance.now();
    for (const c of later) await memorize(await clipAt(c + later.length));
    controller.abort();
    return (performance.now() - started) / 1000 / later.length;
  })();
  const training = trainSteer(policy, collected.pairs, spec.steer.hiddenSize, { ...DEFAULT_STEER_TRAINING, steps: 1000, seed: 3, signal: controller.signal });
  const withTraining = await during;
  await training;

  // Scoring a pair again (what every SPSA step does), with the inputs cache and without it, interleaved.
  const uncached = await Vlm.load(spec, { inputsCacheBytes: 0 });
  const sample = collected.pairs.slice(0, 12);
  const scoreAll = async (v: Vlm) => {
    const started = performance.now();
    for (const p of sample) await v.completionLogProb(p.clip.messages, p.clip.frames, p.chosen);
    return (performance.now() - started) / sample.length;
  };
  const ROUNDS = 3;
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    times[0].push(await scoreAll(vlm));
    times[1].push(await scoreAll(uncached));
  }
  await uncached.dispose();
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

  const pairs = collected.pairs.length;
  const batch = Math.min(DEFAULT_STEER_TRAINING.batch, pairs);
  console.log(`bench:adapter (fixture, Node CPU, one stream: ${prompts.length} clips, ${tasks.length} tasks)`);
  console.log(`candidates: ${collected.candidates} valid of ${prompts.length * DEFAULT_COLLECT.candidates} sampled, ${pairs} pairs; sampling + reference log-probs ${collectSeconds.toFixed(1)} s (${(collectSeconds / Math.max(1, pairs)).toFixed(2)} s per pair)`);
  console.log(`SPSA: ${steps} steps of ${batch} pairs in ${trainSeconds.toFixed(1)} s (${(trainSeconds / steps).toFixed(2)} s per step, ${((trainSeconds / steps / batch) * 1000).toFixed(0)} ms per pair per step; includes the before/after passes over all pairs)`);
  console.log(`one default round (${DEFAULT_STEER_TRAINING.steps} steps): about ${(collectSeconds + (trainSeconds * DEFAULT_STEER_TRAINING.steps) / steps).toFixed(0)} s`);
  console.log(`scoring a pair's memory again: ${median(times[0]).toFixed(1)} ms with the inputs cache, ${median(times[1]).toFixed(1)} ms without (x${(median(times[1]) / median(times[0])).toFixed(2)}; median of ${ROUNDS} interleaved rounds over ${sample.length} pairs)`);
  console.log(`live memorization: ${alone.toFixed(3)} s per clip alone, ${withTraining.toFixed(3)} s per clip while training runs (x${(withTraining / alone).toFixed(2)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await vlm.dispose();
}

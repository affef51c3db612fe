/**
 * Memorization throughput of the fixture on CPU in Node (a benchmark, not a test):
 * clips per second, real-time factor (processing seconds / stream seconds) and the share of time
 * spent outside model calls (frame decoding, prompt building, validation); and, side by side in
 * the same run, what the memorizer's default confidence drop costs against the model's own text
 * (generation that records each token's log-probability, then the repair).
 *
 *   npm run bench:memorize [-- --seed N --minutes M]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { memorizeManifest } from './memorize';
import { EVALUATION_SEEDS } from '../src/world/seeds';
import { useLocalModels } from './lib/node-models';
import { Vlm } from '../src/memorize/vlm';
import { FIXTURE_MODEL_ID, getModelSpec } from '../src/memorize/registry';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const seed = Number(flag('seed', String(EVALUATION_SEEDS[0])));
const minutes = Number(flag('minutes', '2'));

const dir = mkdtempSync(join(tmpdir(), 'taskmem-bench-'));
useLocalModels();
const vlm = await Vlm.load(getModelSpec(FIXTURE_MODEL_ID));
try {
  const { manifestPath } = await writeWorldStream({ seed, outDir: dir, minutes, fps: 5 });
  // warm-up: first-run kernel setup is not part of steady-state throughput
  await memorizeManifest(manifestPath, { maxClips: 1, vlm });
  const run = await memorizeManifest(manifestPath, { vlm });
  const clips = run.memories.length + run.rejected.length;
  const t = run.timing;
  console.log(`fixture memorization, Node CPU, world seed ${seed}, ${minutes} min stream, ${clips} clips`);
  console.log(`clips per second      ${(clips / t.seconds).toFixed(2)}`);
  console.log(`real-time factor      ${t.realTimeFactor.toFixed(4)} (processing s / stream s)`);
  console.log(`time outside model   ${(((t.seconds - t.modelSeconds) / t.seconds) * 100).toFixed(1)} %`);
  // Alternated (with, without, with, without), so drift in the machine's load falls on both sides alike.
  const withoutDropRun = async () => (await memorizeManifest(manifestPath, { vlm, dropNamesBelow: null, dropDetailsBelow: null })).timing.seconds;
  let withoutDrop = await withoutDropRun();
  const withDrop = t.seconds + (await memorizeManifest(manifestPath, { vlm })).timing.seconds;
  withoutDrop += await withoutDropRun();
  console.log(`confidence drop       ${(withDrop / withoutDrop).toFixed(3)}x the time of the model's own text (2 runs each, alternated)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await vlm.dispose();
}

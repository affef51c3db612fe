/**
 * Memorization throughput of the fixture on CPU in Node (a benchmark, not a test):
 * clips per second, real-time factor (processing seconds / stream seconds) and the share of time
 * spent outside model calls (frame decoding, prompt building, validation).
 *
 *   npm run bench:memorize [-- --seed N --minutes M]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { memorizeManifest } from './memorize';
import { EVALUATION_SEEDS } from '../src/world/seeds';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const seed = Number(flag('seed', String(EVALUATION_SEEDS[0])));
const minutes = Number(flag('minutes', '2'));

const dir = mkdtempSync(join(tmpdir(), 'taskmem-bench-'));
try {
  const { manifestPath } = await writeWorldStream({ seed, outDir: dir, minutes, fps: 5 });
  // warm-up: model load and first-run kernel setup are not part of steady-state throughput
  await memorizeManifest(manifestPath, { maxClips: 1 });
  const run = await memorizeManifest(manifestPath);
  const clips = run.memories.length + run.rejected.length;
  const t = run.timing;
  console.log(`fixture memorization, Node CPU, world seed ${seed}, ${minutes} min stream, ${clips} clips`);
  console.log(`clips per second      ${(clips / t.seconds).toFixed(2)}`);
  console.log(`real-time factor      ${t.realTimeFactor.toFixed(4)} (processing s / stream s)`);
  console.log(`time outside model   ${(((t.seconds - t.modelSeconds) / t.seconds) * 100).toFixed(1)} %`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

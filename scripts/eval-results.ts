/**
 * Regenerates the benchmark section of docs/results.md from a fresh run (numbers are never typed by
 * hand): world streams on evaluation seeds (never trained or tuned on) -> npm run eval's protocol
 * with all three memorizers -> tables.
 *
 *   npm run eval:results [-- --seeds 7001,7002 --minutes 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { evaluate, formatReports } from './eval';
import { EVALUATION_SEEDS, parseSeedList } from '../src/world/seeds';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { writeGeneratedBlock } from './lib/generated-block';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const seedsFlag = flag('seeds');
const seeds = seedsFlag ? parseSeedList(seedsFlag) : EVALUATION_SEEDS.slice(0, 5);
const minutes = Number(flag('minutes') ?? 3);
const RESULTS = 'docs/results.md';
const START = '<!-- eval:start (written by npm run eval:results) -->';
const END = '<!-- eval:end -->';

const dir = mkdtempSync(join(tmpdir(), 'taskmem-eval-'));
try {
  const manifests: string[] = [];
  for (const seed of seeds) {
    const { manifestPath } = await writeWorldStream({ seed, outDir: join(dir, `world-${seed}`), minutes, video: false });
    manifests.push(manifestPath);
  }
  const started = Date.now();
  const reports = await evaluate(manifests, { log: (l) => process.stderr.write(l + '\n') });
  const questions = reports[0]?.table.overall.questions ?? 0;
  const block = [
    START,
    `Evaluation seeds ${seeds.join(', ')} (${minutes}-minute world streams, ${questions} questions, 10-second clips), model \`${FIXTURE_MODEL_ID}\`, no adapter, Node CPU; measured ${new Date().toISOString().slice(0, 10)} in ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    '',
    formatReports(reports),
    END,
  ].join('\n');
  writeGeneratedBlock(RESULTS, { start: START, end: END, text: block });
  console.log(block);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

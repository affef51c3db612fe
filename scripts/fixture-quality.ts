/**
 * Measures the fixture's memory quality on held-out world seeds (never used for training or
 * tuning): fact precision and recall against the ground-truth event log.
 *
 *   npm run fixture:quality [-- --seeds 7001,7002|30001-30050 --minutes 3 --write]
 *
 * --write replaces the measured block in models/README.md with this run's numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { memorizeManifest } from './memorize';
import { useLocalModels } from './lib/node-models';
import { Vlm } from '../src/memorize/vlm';
import { FIXTURE_MODEL_ID, getModelSpec } from '../src/memorize/registry';
import { EVALUATION_SEEDS, parseSeedList } from '../src/world/seeds';
import { scoreMemory, aggregateFactScores } from '../src/world/facts';
import type { EventLog } from '../src/world/types';
import { answerFromMemory as oracleAnswer } from '../src/world/questions';
import { answerFromMemory } from '../src/recall/answerer';
import { loadManifest } from './lib/load-manifest';
import { referenceMemories } from '../src/world/describe';
import { evaluate, pct as percent, type MemorizerReport } from './eval';
import { DEFAULT_MEMORIZER_OPTIONS } from '../src/memorize/memorizer';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const seedsFlag = flag('seeds');
const seeds = seedsFlag ? parseSeedList(seedsFlag) : EVALUATION_SEEDS.slice(0, 10);
const minutes = Number(flag('minutes') ?? 3);

useLocalModels();
const spec = getModelSpec(FIXTURE_MODEL_ID);
const vlm = await Vlm.load(spec);
const answerer = await vlm.answerer();
const answerOpts = { maxContextLines: spec.answer.contextLines, contextUnit: spec.answer.unit };
const dir = mkdtempSync(join(tmpdir(), 'taskmem-quality-'));
const rows: string[] = [];
const all: ReturnType<typeof scoreMemory>[] = [];
let memories = 0;
let rejected = 0;
let words = 0;
// Answering from memory text: does the fixture read its own memories the way the memory says?
let asked = 0;
let agreed = 0;
let abstainAgreed = 0;
let abstainExpected = 0;
// The same, on reference memories written by the world's describer (isolates the answering skill).
let refAsked = 0;
let refAgreed = 0;
// Questions whose answer the memory text does state: the reading skill itself, abstention aside.
const statable = { own: [0, 0], reference: [0, 0] };
// The memorizer option that drops names the model was unsure of (src/memorize/confidence.ts), at
// the threshold tried on tuning seeds: its precision and recall, and what it does to answers.
const NAME_FILTER = -1;
const manifests: string[] = [];
let accuracyAll = NaN;
let withFilter: MemorizerReport | undefined;
// The model's own text, with none of the memorizer's default confidence repair (dropDetailsBelow off).
let unrepaired: MemorizerReport | undefined;
try {
  for (const seed of seeds) {
    const { manifestPath } = await writeWorldStream({ seed, outDir: join(dir, String(seed)), minutes, video: false });
    const run = await memorizeManifest(manifestPath, { vlm });
    const log = JSON.parse(readFileSync(join(dir, String(seed), 'events.json'), 'utf8')) as EventLog;
    const scores = run.memories.map((m) => scoreMemory(m.text, log, m.t0, m.t1));
    manifests.push(manifestPath);
    all.push(...scores);
    memories += run.memories.length;
    rejected += run.rejected.length;
    words += run.memories.reduce((n, m) => n + m.text.split(/\s+/).length, 0);
    const manifest = loadManifest(manifestPath);
    const mems = run.memories.map((m) => ({ ...m }));
    for (const q of manifest.questions) {
      if (!q.meta) continue;
      const got = await answerFromMemory(answerer, mems, q.question, { asOf: q.t, choices: q.choices, ...answerOpts });
      // judged on the memories the answerer was given (retrieval picks spec.answer.contextLines lines)
      const expected = oracleAnswer(got.context, q.meta as never, q.t);
      asked++;
      if (got.text.toLowerCase() === expected.toLowerCase()) agreed++;
      if (expected !== 'unknown') {
        statable.own[1]++;
        if (got.text.toLowerCase() === expected.toLowerCase()) statable.own[0]++;
      }
      if (expected === 'unknown') {
        abstainExpected++;
        if (got.abstained) abstainAgreed++;
      }
    }
    const reference = referenceMemories(log, minutes * 60, seed).map((m) => ({ streamId: String(seed), ...m }));
    for (const q of manifest.questions) {
      if (!q.meta) continue;
      const got = await answerFromMemory(answerer, reference, q.question, { asOf: q.t, choices: q.choices, ...answerOpts });
      const expected = oracleAnswer(got.context, q.meta as never, q.t).toLowerCase();
      refAsked++;
      if (got.text.toLowerCase() === expected) refAgreed++;
      if (expected !== 'unknown') {
        statable.reference[1]++;
        if (got.text.toLowerCase() === expected) statable.reference[0]++;
      }
    }
    const s = aggregateFactScores(scores);
    rows.push(`| ${seed} | ${run.memories.length} | ${run.rejected.length} | ${s.factPrecision.toFixed(3)} | ${s.factRecall.toFixed(3)} |`);
    console.log(`seed ${seed}: precision ${s.factPrecision.toFixed(3)} recall ${s.factRecall.toFixed(3)} (${run.memories.length} memories, ${run.rejected.length} rejected)`);
  }
  // The filtered run's fact scores come from the same report as its answers (memorized once).
  const reportOf = async (dropNamesBelow: number | null, dropDetailsBelow?: number | null) =>
    (await evaluate(manifests, { vlm, answerer, memorizers: ['taskmem'], dropNamesBelow, dropDetailsBelow }))[0]!;
  accuracyAll = (await reportOf(null)).table.overall.accuracy;
  withFilter = await reportOf(NAME_FILTER);
  unrepaired = await reportOf(null, null);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (answerer !== vlm) await answerer.dispose();
  await vlm.dispose();
}
const total = aggregateFactScores(all);
// Where the errors are: precision of each kind of stated fact (docs/memory-language.md, "Facts").
const byKind = new Map<string, [number, number]>();
for (const f of all.flatMap((s) => s.details.stated)) {
  const [t, n] = byKind.get(f.kind) ?? [0, 0];
  byKind.set(f.kind, [t + (f.true ? 1 : 0), n + 1]);
}
const kinds = [...byKind.entries()].sort((a, b) => b[1][1] - a[1][1]);
const kindLine = kinds.map(([k, [t, n]]) => `${k} ${(t / n).toFixed(2)} (${n})`).join(', ');
const summary = `fact precision ${total.factPrecision.toFixed(3)}, fact recall ${total.factRecall.toFixed(3)} over ${memories} memories (${rejected} clips rejected), mean ${(words / Math.max(1, memories)).toFixed(1)} words per memory`;
const answering = `answers agree with what the memory text supports on ${agreed}/${asked} questions (${((100 * agreed) / Math.max(1, asked)).toFixed(1)}%; abstains on ${abstainAgreed}/${abstainExpected} where memory lacks the answer)`;
const filterLine = `with the memorizer option that drops names the model gives a log-probability under ${NAME_FILTER} (\`dropNamesBelow\`, off by default): fact precision ${withFilter!.factPrecision!.toFixed(3)}, recall ${withFilter!.factRecall!.toFixed(3)}; answer accuracy on these streams' questions ${percent(accuracyAll)} -> ${percent(withFilter!.table.overall.accuracy)}`;
const detailsDefault = DEFAULT_MEMORIZER_OPTIONS.dropDetailsBelow;
const unrepairedLine = `the model's own text, without the memorizer's default drop of places and colour changes it gave a log-probability under ${detailsDefault} (\`dropDetailsBelow\`): fact precision ${unrepaired!.factPrecision!.toFixed(3)}, recall ${unrepaired!.factRecall!.toFixed(3)}; answer accuracy on these streams' questions ${percent(unrepaired!.table.overall.accuracy)} (with it: ${percent(accuracyAll)})`;
console.log(`\nall seeds: ${summary}`);
console.log(unrepairedLine);
console.log(filterLine);
console.log(`precision by fact kind: ${kindLine}`);
const pct = ([a, n]: number[]) => `${a}/${n} (${((100 * a) / Math.max(1, n)).toFixed(1)}%)`;
const referenceAnswering = `${refAgreed}/${refAsked} (${((100 * refAgreed) / Math.max(1, refAsked)).toFixed(1)}%) on reference memories written by the world's describer; where the memory text states the answer, correct on ${pct(statable.own)} questions with its own memories and ${pct(statable.reference)} with reference memories (answering model ${answerer.spec.id}, ${spec.answer.contextLines} memory lines per question)`;
console.log(`answering: ${answering}`);
console.log(`answering: ${referenceAnswering}`);

if (args.includes('--write')) {
  const readme = 'models/README.md';
  const block = [
    '<!-- quality:start (written by npm run fixture:quality -- --write) -->',
    `Held-out evaluation seeds ${seeds.join(', ')} (${minutes}-minute streams, greedy decoding, the memorizer's default settings, Node CPU):`,
    `**${summary}**.`,
    '',
    `The same streams, ${unrepairedLine}.`,
    '',
    `The same streams ${filterLine} (see "Confidence" under "What was tried").`,
    '',
    `Precision by kind of stated fact (count): ${kindLine}.`,
    '',
    `Answering from memory text (the expected answer is what the memory text supports, \`unknown\` when it says nothing): on the fixture's own memories, ${answering}; ${referenceAnswering}.`,
    '',
    '| seed | memories | rejected clips | fact precision | fact recall |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '<!-- quality:end -->',
  ].join('\n');
  const text = readFileSync(readme, 'utf8');
  writeFileSync(readme, text.replace(/<!-- quality:start[\s\S]*?<!-- quality:end -->/, block));
  console.log(`updated ${readme}`);
}

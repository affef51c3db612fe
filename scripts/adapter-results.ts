/**
 * Measures the task adapter the way issue 6 asks, and writes the adapter section of
 * docs/results.md (never typed by hand): for each focus type, world streams whose questions favour
 * that type; `adapter:train` on the questions of each stream's first half only; then the second
 * half's questions scored with the adapter and without it, side by side in one run.
 *
 *   npm run adapter:results [-- --focus color,position --seeds 7001,...,7008 --minutes 6 --variants default,plain,steps360,t0.7 --steer-positions all|after-images --json RUN.json --write]
 *
 * --seeds-TYPE LIST (e.g. --seeds-position 7189-7204) gives one focus its own streams, so each focus
 * can be measured on a set of streams no command has run that focus on. Sets separated by '/'
 * (--seeds 11-14/15-18, --seeds-position 7317-7332/7381-7396) are trained and scored one by one and
 * then pooled.
 * --scales 1,1.5,2 also evaluates each trained vector multiplied by these factors (one training each).
 * --variants adds rows trained otherwise on the same streams (what was tried): stepsN = N SPSA
 * steps instead of the default, candidatesN = N candidates sampled per clip, pairsN = at most N pairs
 * kept per clip (of the 15 that 6 candidates can form), marginX = only pairs whose rewards differ by more than X, chosenX = RPO's chosen-likelihood term weighted X beside DPO,
 * seedN = another seed for the candidates and SPSA directions (the spread of one setting),
 * directionsN = N SPSA directions averaged per step (N times the training's forward passes),
 * avgX = the vector is the mean of the iterates of the last share X of the SPSA steps (avg0.5),
 * strengthX = the trained vector stored and applied X times its size (directions1+strength1 is
 * the default before 2026-12-01),
 * roundsN = N rounds of Phase Two, each later one sampling its candidates under the vector so far,
 * tX = candidates sampled at temperature X, keyed / unkeyed = the reward counts only details tied
 * to a named object, or every detail word, consensus = the reward counts only details the clip's
 * other candidates state too, plain = every candidate sampled from the plain prompt (no
 * instructed candidates, the default before 2026-11-30), anchors = the greedy memories under the
 * plain prompt and told the most-asked detail join each clip's candidates (CollectOptions.anchors),
 * unanchored = without them, askedFocus = the instructed candidates stress the details the first
 * halves' questions asked about, in proportion (CollectOptions.askedFocus), confident = each candidate scored
 * without the details the model was unsure of (CollectOptions.confidence), unfiltered = scored
 * as sampled. Modifiers combine with '+': t0.7+confident.
 *
 * Defaults use the evaluation seeds (never tuned on); pass --seeds from TUNING_SEEDS while tuning.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorldStream } from './lib/world-files';
import { answerLossesOf } from './lib/answer-losses';
import { ANSWER_LOSSES } from '../src/eval/answer-loss';
import { evaluate, pct, type MemorizerReport } from './eval';
import { trainAdapter, TrainingCache, TRAINING_INPUTS_CACHE_BYTES } from './adapter-train';
import { CANDIDATE_CONFIDENCE } from '../src/adapter/phase-two';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { Vlm } from '../src/memorize/vlm';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { MEMORY_FOCUSES, type MemoryFocus } from '../src/memorize/prompt';
import { EVALUATION_SEEDS, parseSeedList } from '../src/world/seeds';
import type { ConfidenceLimits } from '../src/memorize/confidence';
import { QUESTION_TYPES, type QuestionType } from '../src/world/types';
import { writeGeneratedBlock } from './lib/generated-block';
import { formatInterval, formatPoints, pairedChange, type PairedCounts } from '../src/eval/paired-change';
import { ADAPTER_SECTION_HEADING, poolRuns, type AdapterRunRecord } from './adapter-pool';
import { defaultTrainingSettings, describeSettings, type TrainingSettings } from './lib/adapter-settings';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const focuses = (flag('focus') ?? 'color,position').split(',') as QuestionType[];
for (const f of focuses) {
  if (!QUESTION_TYPES.includes(f)) throw new Error(`--focus ${f}: the question types are ${QUESTION_TYPES.join(', ')}`);
}
const seedsFlag = flag('seeds');
// Sets of streams separated by '/' (--seeds-position 7317-7332/7381-7396) are each trained on and
// scored on their own, as separate deployments would be, and then pooled.
const seedSetsOf = (focus: QuestionType): number[][] => {
  const text = flag(`seeds-${focus}`) ?? seedsFlag;
  const sets = text ? text.split('/').map(parseSeedList) : [EVALUATION_SEEDS.slice(0, 8)];
  const all = sets.flat();
  if (new Set(all).size !== all.length) throw new Error(`${flag(`seeds-${focus}`) ? `--seeds-${focus}` : '--seeds'}: a seed is in two sets`);
  return sets;
};
/** 7317-7332 for a run of consecutive seeds, else the list. */
const seedRange = (list: number[]) => (list.every((x, i) => x === list[0]! + i) && list.length > 2 ? `${list[0]}-${list[list.length - 1]}` : list.join(', '));
for (const a of args) {
  const named = /^--seeds-(.+)$/.exec(a)?.[1];
  if (named && !focuses.includes(named as QuestionType)) throw new Error(`${a}: ${named} is not among --focus ${focuses.join(',')}`);
}
const minutes = Number(flag('minutes') ?? 6);
const steps = flag('steps') ? Number(flag('steps')) : undefined;
// --scales 1,1.5,2: each trained vector is also evaluated multiplied by these factors (one training).
const scales = (flag('scales') ?? '1').split(',').map(Number);
if (scales.some((x) => !(x > 0))) throw new Error(`--scales takes positive factors, not '${flag('scales')}'`);
interface Variant { name: string; rounds?: number; directions?: number; tailAverage?: number; strength?: number; seed?: number; steps?: number; candidates?: number; maxPairsPerClip?: number; minMargin?: number; chosenWeight?: number; temperature?: number; consensus?: boolean; keyed?: boolean; askedEvents?: boolean; instructed?: boolean; askedFocus?: boolean; anchors?: boolean; confidence?: ConfidenceLimits | null }
// A variant is one modifier or several joined by '+' ("t0.7+confident").
const variants: Variant[] = (flag('variants') ?? 'default').split(',').map((name) => {
  const v: Variant = { name, steps };
  for (const part of name.split('+')) {
    if (part === 'default') continue;
    else if (/^steps\d+$/.test(part)) v.steps = Number(part.slice(5));
    else if (/^seed\d+$/.test(part)) v.seed = Number(part.slice(4));
    else if (/^rounds\d+$/.test(part)) v.rounds = Number(part.slice(6));
    else if (/^directions\d+$/.test(part)) v.directions = Number(part.slice(10));
    else if (/^avg\d*\.?\d+$/.test(part)) v.tailAverage = Number(part.slice(3));
    else if (/^strength\d*\.?\d+$/.test(part)) v.strength = Number(part.slice(8));
    else if (/^candidates\d+$/.test(part)) v.candidates = Number(part.slice(10));
    else if (/^pairs\d+$/.test(part)) v.maxPairsPerClip = Number(part.slice(5));
    else if (/^margin\d*\.?\d+$/.test(part)) v.minMargin = Number(part.slice(6));
    else if (/^chosen\d*\.?\d+$/.test(part)) v.chosenWeight = Number(part.slice(6));
    else if (/^t\d*\.?\d+$/.test(part)) v.temperature = Number(part.slice(1));
    else if (part === 'consensus') v.consensus = true;
    else if (part === 'keyed') v.keyed = true;
    else if (part === 'unkeyed') v.keyed = false;
    else if (part === 'asked') v.askedEvents = true;
    else if (part === 'unasked') v.askedEvents = false;
    else if (part === 'plain') v.instructed = false;
    else if (part === 'anchors') v.anchors = true;
    else if (part === 'unanchored') v.anchors = false;
    else if (part === 'askedFocus') v.askedFocus = true;
    else if (part === 'confident') v.confidence = CANDIDATE_CONFIDENCE;
    else if (part === 'unfiltered') v.confidence = null;
    else throw new Error(`unknown variant '${part}': default, stepsN, roundsN, candidatesN, pairsN, marginX, directionsN, avgX, strengthX, tX, chosenX, seedN, keyed, unkeyed, asked, unasked, consensus, plain, anchors, unanchored, askedFocus, confident or unfiltered (joined with +)`);
  }
  return v;
});
// Which positions the vector is added to, in training and in memorizing (SteerHandle.positions).
const steerPositions = ((text: string): TrainingSettings['steerPositions'] => {
  if (text === 'all' || text === 'after-images') return text;
  throw new Error(`--steer-positions is all or after-images, not '${text}'`);
})(flag('steer-positions') ?? 'all');
// The default row's settings in this run (--steps and --steer-positions apply to every row); a
// variant's row names only what it changed from them, from the settings its training reports.
const baseSettings = (): TrainingSettings => {
  const d = defaultTrainingSettings();
  return { ...d, steer: { ...d.steer, steps: steps ?? d.steer.steps }, steerPositions };
};
// Rows name only what differs from the run's default; the block spells the default out once.
const describeRow = (name: string, settings: TrainingSettings) => (name === 'default' ? '' : describeSettings(settings, baseSettings())) || 'default';
const RESULTS = 'docs/results.md';
const describeSeeds = () => {
  const lists = focuses.map((f) => seedSetsOf(f).map(seedRange).join(' / '));
  return lists.every((l) => l === lists[0]) ? `Seeds ${lists[0]}` : focuses.map((f, i) => `${f}: seeds ${lists[i]}`).join('; ');
};
// One block per set of focus types and settings, so a run replaces its own block and leaves the
// blocks of other runs (each still written by this program) in place.
// Settings other than the default get their own block too ("color,shape pairs15").
const variantNames = variants.map((v) => v.name);
// Since 2026-12-07 the key names the streams too ("color 7669-7684"): the same focus and settings
// measured on other streams is another result, and must not replace the block of the first.
const sortedFocuses = [...focuses].sort();
const keySeeds = (list: number[]) => (list.every((x, i) => x === list[0]! + i) && list.length > 1 ? `${list[0]}-${list[list.length - 1]}` : list.join('.'));
const blockKey = sortedFocuses.join(',') + (variantNames.join(',') === 'default' ? '' : ` ${variantNames.join(',')}`) + ` ${sortedFocuses.map((f) => seedSetsOf(f).map(keySeeds).join('/')).join(',')}`;
const START = `<!-- adapter:start ${blockKey} (written by npm run adapter:results -- --write) -->`;
const END = `<!-- adapter:end ${blockKey} -->`;
const ANY_END = /<!-- adapter:end [a-z0-9.,+/ -]+ -->/g;

/** The questions of these per-stream counts, and the accuracy without (`before`) and with (`after`) the change. */
const totals = (streams: PairedCounts[]) => {
  const q = streams.reduce((n, s) => n + s.questions, 0);
  const sum = (k: 'before' | 'after') => streams.reduce((n, s) => n + s[k], 0);
  return { questions: q, before: q ? sum('before') / q : NaN, after: q ? sum('after') / q : NaN };
};
/** Each stream's questions of these types, scored without (`a`) and with (`b`) the change. */
const perStream = (a: MemorizerReport, b: MemorizerReport, types: string[]): PairedCounts[] =>
  a.streams.map((s) => {
    const t = b.streams.find((x) => x.id === s.id);
    if (!t) throw new Error(`stream ${s.id} was scored without the change but not with it`);
    const sum = (r: typeof s, k: 'questions' | 'correct') => types.reduce((n, type) => n + (r.table.byType[type]?.[k] ?? 0), 0);
    return { questions: sum(s, 'questions'), before: sum(s, 'correct'), after: sum(t, 'correct') };
  });
// --json FILE keeps each row's per-stream counts, so sets of streams measured in separate runs can be
// pooled with an interval (npm run adapter:pool).
const jsonOut = flag('json');
const records: AdapterRunRecord[] = [];

useLocalModels();
const vlm = await Vlm.load(await preparedModelSpec(FIXTURE_MODEL_ID), { inputsCacheBytes: TRAINING_INPUTS_CACHE_BYTES });
if (vlm.steer) vlm.steer.positions = steerPositions;
const answerer = await vlm.answerer();
const dir = mkdtempSync(join(tmpdir(), 'taskmem-adapter-results-'));
const rows: string[] = [];
// Variants share what their trainings have in common: the first halves' prompts, and the (seeded,
// so identical) samples and pairs.
const cache = new TrainingCache();
const details: string[] = [];
const references: string[] = [];
const pooled: string[] = [];
try {
  for (const focus of focuses) {
    const sets = seedSetsOf(focus);
    for (const [setIndex, setSeeds] of sets.entries()) {
      const label = sets.length > 1 ? `${focus} (set ${setIndex + 1}: ${seedRange(setSeeds)})` : focus;
      const manifests: string[] = [];
      for (const seed of setSeeds) manifests.push((await writeWorldStream({ seed, outDir: join(dir, `${focus}-${seed}`), minutes, focus, video: false, questionsPerMinute: 8 })).manifestPath);
      const [base] = await evaluate(manifests, { vlm, answerer, memorizers: ['taskmem'], questions: 'second-half' });
      // Where the focused type's answers were lost without the vector (src/eval/answer-loss.ts); each row compares with it.
      const lossBefore = answerLossesOf(base!, [focus])[focus] ?? {};
      // The reference: the same memorizer told in its prompt which detail to stress (no training).
      // It shows how far the model itself can move toward the focus; the adapter learns it from questions.
      const memoryFocus = (MEMORY_FOCUSES as readonly string[]).includes(focus) ? (focus as MemoryFocus) : null;
      if (memoryFocus) {
        const [told] = await evaluate(manifests, { vlm, answerer, memorizers: ['taskmem'], questions: 'second-half', focus: memoryFocus });
        const others = QUESTION_TYPES.filter((t) => t !== focus);
        const focusedStreams = perStream(base!, told!, [focus]), otherStreams = perStream(base!, told!, others);
        const f = totals(focusedStreams), o = totals(otherStreams);
        const fc = pairedChange(focusedStreams), oc = pairedChange(otherStreams);
        references.push(`- focus ${label}, the memorizer told in its prompt to stress ${memoryFocus} (no adapter): focused ${pct(f.before)} -> ${pct(f.after)} (**${formatPoints(fc.change)}**, ${formatInterval(fc)}), others ${pct(o.before)} -> ${pct(o.after)} (**${formatPoints(oc.change)}**, ${formatInterval(oc)}), answer in memory ${pct(base!.answerInMemory)} -> ${pct(told!.answerInMemory)}, fact precision ${base!.factPrecision?.toFixed(3)} -> ${told!.factPrecision?.toFixed(3)}.`);
        console.log(references[references.length - 1]);
      }
      for (const variant of variants) {
        const started = Date.now();
        const adapter = await trainAdapter(manifests, { vlm, cache, rounds: variant.rounds, directions: variant.directions, tailAverage: variant.tailAverage, strength: variant.strength, seed: variant.seed, steps: variant.steps, candidates: variant.candidates, maxPairsPerClip: variant.maxPairsPerClip, minMargin: variant.minMargin, chosenWeight: variant.chosenWeight, temperature: variant.temperature, consensus: variant.consensus, keyed: variant.keyed, askedEvents: variant.askedEvents, instructed: variant.instructed, askedFocus: variant.askedFocus, anchors: variant.anchors, confidence: variant.confidence, log: (l) => process.stderr.write(`[${label} ${variant.name}] ${l}\n`) });
        const trainSeconds = (Date.now() - started) / 1000;
        const file = join(dir, `adapter-${focus}-${setIndex}-${variant.name}.json`);
        writeFileSync(file, JSON.stringify(adapter));
        const m = adapter.metrics;
        for (const scale of scales) {
          const [tuned] = await evaluate(manifests, {
            vlm, answerer, memorizers: ['taskmem'], questions: 'second-half',
            adapter: { vector: Float32Array.from(adapter.vector, (x) => x * scale), version: adapter.version, source: file },
          });
          const others = QUESTION_TYPES.filter((t) => t !== focus);
          const focusedStreams = perStream(base!, tuned!, [focus]), otherStreams = perStream(base!, tuned!, others);
          const f = totals(focusedStreams), o = totals(otherStreams);
          const fc = pairedChange(focusedStreams), oc = pairedChange(otherStreams);
          records.push({ focus, variant: variant.name, scale, seeds: setSeeds, settings: adapter.settings, focused: focusedStreams, others: otherStreams });
          rows.push(`| ${label} | ${describeRow(variant.name, adapter.settings)}${scale !== 1 ? `, vector x${scale}` : ''} | ${f.questions} | ${pct(f.before)} | ${pct(f.after)} | **${formatPoints(fc.change)}** (${formatInterval(fc)}) | ${o.questions} | ${pct(o.before)} | ${pct(o.after)} | **${formatPoints(oc.change)}** (${formatInterval(oc)}) | ${pct(base!.answerInMemory)} -> ${pct(tuned!.answerInMemory)} | ${base!.factPrecision?.toFixed(3)} -> ${tuned!.factPrecision?.toFixed(3)} | ${adapter.trainedOn.pairs} | ${m.lossBefore!.toFixed(3)} -> ${m.lossAfter!.toFixed(3)} | ${trainSeconds.toFixed(0)} |`);
          const perType = QUESTION_TYPES.map((t) => `${t} ${pct(base!.table.byType[t]?.accuracy)} -> ${pct(tuned!.table.byType[t]?.accuracy)} (${base!.table.byType[t]?.questions ?? 0})`).join(', ');
          const lossAfter = answerLossesOf(tuned!, [focus])[focus] ?? {};
          const losses = ANSWER_LOSSES.filter((l) => lossBefore[l] || lossAfter[l]).map((l) => `${l} ${lossBefore[l] ?? 0} -> ${lossAfter[l] ?? 0}`).join(', ');
          details.push(`- focus ${label}, ${describeRow(variant.name, adapter.settings)}${scale !== 1 ? `, vector x${scale}` : ''}: first-half tasks by inferred type ${JSON.stringify(adapter.trainedOn.taskTypes)}; second-half accuracy per type (questions): ${perType}; answerable ${focus} questions by where the answer was lost: ${losses}; |v| = ${m.norm!.toFixed(3)}, pair accuracy after training ${pct(m.pairAccuracyAfter)}.`);
          console.log(rows[rows.length - 1]);
        }
      }
    }
    if (sets.length > 1) {
      for (const p of poolRuns([{ rows: records.filter((r) => r.focus === focus) }])) {
        pooled.push(`| ${p.key} | ${sets.length} sets, ${p.seeds.length} streams | ${p.focused.questions} | **${formatPoints(p.focused.change)}** (${formatInterval(p.focused)}) | ${p.others.questions} | **${formatPoints(p.others.change)}** (${formatInterval(p.others)}) | ${p.meetsBar ? 'met' : 'not met'} |`);
        console.log(pooled[pooled.length - 1]);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (answerer !== vlm) await answerer.dispose();
  await vlm.dispose();
}

const block = [
  START,
  `${describeSeeds()} (${minutes}-minute world streams generated with \`--focus TYPE\`, 8 questions a minute), model \`${FIXTURE_MODEL_ID}\`, Node CPU, measured ${new Date().toISOString().slice(0, 10)}. The adapter is trained on the first half's questions only and applied from the middle of each stream; both columns score the same second-half questions with the same answerer. Each change carries a 95% interval from resampling whole streams (src/eval/paired-change.ts): the spread the choice of streams alone gives.`,
  '',
  '| focus | training | focused questions | accuracy without | with adapter | change (points, 95% interval) | other questions | accuracy without | with adapter | change (points, 95% interval) | answer in memory | fact precision | pairs | DPO loss | train s |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- | ---: |',
  ...rows,
  '',
  `\`default\`: ${describeSettings(baseSettings())}.`,
  '',
  ...(pooled.length ? ['Each set of streams pooled with the others of its focus (`npm run adapter:pool`); the bar is the focused type +7 points or more and the others -2 or more:', '', '| focus and setting | streams | focused questions | change (points, 95% interval) | other questions | change (points, 95% interval) | bar |', '| --- | --- | ---: | ---: | ---: | ---: | --- |', ...pooled, ''] : []),
  ...details,
  ...(references.length ? ['', 'Reference, not a result of the adapter: what the same streams score when the prompt says which detail to stress (stored memories are never written this way; the adapter has to find the emphasis from the questions):', '', ...references] : []),
  END,
].join('\n');
console.log(block);
if (jsonOut) {
  // One line per row keeps the file short and its diffs readable.
  const head = JSON.stringify({ measured: new Date().toISOString().slice(0, 10), minutes, model: FIXTURE_MODEL_ID });
  writeFileSync(jsonOut, `${head.slice(0, -1)},"rows":[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`);
  console.log(`per-stream counts: ${jsonOut}`);
}
if (args.includes('--write')) {
  writeGeneratedBlock(RESULTS, { start: START, end: END, text: block, after: ANY_END, heading: ADAPTER_SECTION_HEADING }, '# Results\n');
  console.log(`updated ${RESULTS}`);
}

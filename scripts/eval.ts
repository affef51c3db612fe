/**
 * TaskMem's streaming benchmark in Node (docs/benchmark-format.md, "Scoring").
 *
 *   npm run eval -- MANIFEST... [--memorizer all|isolated|taskmem|oracle] [--adapter none|FILE]
 *                               [--questions all|first-half|second-half] [--json OUT] [--model ID]
 *
 * --questions second-half scores only the questions asked in the second half of each stream; an
 * adapter is then applied from the middle of the stream on, as it would be when trained on the
 * first half's questions (npm run adapter:train).
 *
 * Each stream is memorized clip by clip; a question asked at second t is answered from the memories
 * of clips that ended by t, and only from memory. Memorizers, side by side in one run:
 *   isolated  each clip captioned on its own (no memory of earlier clips)
 *   taskmem   the TaskMem-style memorizer with its sliding window of earlier memories
 *   oracle    memories written from the ground-truth events (the answerer's ceiling); only for
 *             manifests with groundTruth
 * The same model answers for all three, so differences come from the memory alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadManifest, type LoadedManifest } from './lib/load-manifest';
import { clipFramesOf, openManifestFrames } from './lib/frame-source';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { Vlm } from '../src/memorize/vlm';
import { Memorizer } from '../src/memorize/memorizer';
import type { MemoryFocus } from '../src/memorize/prompt';
import type { RgbFrame } from '../src/memorize/types';
import { FIXTURE_MODEL_ID, type ModelSpec } from '../src/memorize/registry';
import { answerFromMemory } from '../src/recall/answerer';
import { runStream, type StreamRun, type ProtocolMemory } from '../src/eval/protocol';
import { memoryStats, scoreTable, type MemoryStats, type ScoreTable } from '../src/eval/score';
import { scoreMemory, aggregateFactScores } from '../src/world/facts';
import { describeClip, seededRandom } from '../src/world/describe';
import { answerFromMemory as answerInMemoryText, type QueryMeta } from '../src/world/questions';
import { UNKNOWN_ANSWER } from '../src/eval/manifest';
import type { EventLog } from '../src/world/types';

export const MEMORIZERS = ['isolated', 'taskmem', 'oracle'] as const;
export type MemorizerName = (typeof MEMORIZERS)[number];

/** A steer vector for the memorizing model (issue: the TaskMem adapter); `null` = none. */
export interface AdapterFile {
  vector: Float32Array;
  modelId?: string;
  layer?: number;
  version?: number;
  source: string;
}

export function readAdapterFile(path: string, spec: ModelSpec): AdapterFile {
  let json: { vector?: unknown; modelId?: unknown; layer?: unknown; version?: unknown };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`adapter file ${path}: cannot read it as JSON (${(e as Error).message})`);
  }
  const v = json.vector;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    throw new Error(`adapter file ${path}: "vector" must be an array of finite numbers`);
  if (v.length !== spec.steer.hiddenSize)
    throw new Error(`adapter file ${path}: vector has ${v.length} numbers, ${spec.id} needs ${spec.steer.hiddenSize}`);
  if (json.modelId !== undefined && json.modelId !== spec.id)
    throw new Error(`adapter file ${path}: made for ${String(json.modelId)}, not ${spec.id}`);
  if (json.layer !== undefined && json.layer !== spec.steer.layer)
    throw new Error(`adapter file ${path}: made for layer ${String(json.layer)}, ${spec.id} steers layer ${spec.steer.layer}`);
  return {
    vector: Float32Array.from(v as number[]), source: path,
    modelId: json.modelId as string | undefined, layer: json.layer as number | undefined, version: json.version as number | undefined,
  };
}

export interface StreamReport {
  id: string;
  manifest: string;
  run: StreamRun;
  table: ScoreTable;
  memory: MemoryStats;
  factPrecision?: number;
  factRecall?: number;
  /** World streams: answerable questions whose answer the visible memory text holds. */
  answerInMemory?: { answerable: number; held: number };
}

export interface MemorizerReport {
  memorizer: MemorizerName;
  adapter: string;
  streams: StreamReport[];
  /** Over all streams' questions. */
  table: ScoreTable;
  memory: MemoryStats;
  factPrecision?: number;
  factRecall?: number;
  /** Share of answerable world questions whose answer the memory held (docs/benchmark-format.md). */
  answerInMemory?: number;
  timing: { wallSeconds: number; streamSeconds: number; memorizeRealTimeFactor: number; answerSecondsPerQuestion: number };
  /** Streams this memorizer could not run on, and why. */
  skipped: { manifest: string; reason: string }[];
}

export const QUESTION_SETS = ['all', 'first-half', 'second-half'] as const;
export type QuestionSet = (typeof QUESTION_SETS)[number];

/** The second half starts at the first clip boundary at or after half the stream. */
export function halfTime(durationSeconds: number, clipSeconds: number): number {
  return Math.ceil(durationSeconds / 2 / clipSeconds) * clipSeconds;
}

export interface EvalOptions {
  memorizers?: MemorizerName[];
  questions?: QuestionSet;
  adapter?: AdapterFile | null;
  modelId?: string;
  /** The model as prepared here (preparedModelSpec), when the caller already read it; `vlm`'s wins. */
  spec?: ModelSpec;
  vlm?: Vlm;
  /** The answering model; default the one `vlm`'s spec names (see Vlm.answerer). */
  answerer?: Vlm;
  window?: number;
  /** The memorizer's dropNamesBelow (src/memorize/confidence.ts); default keep every name. */
  dropNamesBelow?: number | null;
  /** The memorizer's dropDetailsBelow (src/memorize/confidence.ts); default the memorizer's own. */
  dropDetailsBelow?: number | null;
  /** Tell the memorizer which detail to stress (the prompt reference for the adapter); default none. */
  focus?: MemoryFocus | null;
  /**
   * The frames to memorize for a clip in place of the video's: frames captured elsewhere, such as
   * the ones the app in a browser sampled, replayed through this same protocol. Undefined for a
   * clip means the video's frames.
   */
  clipFrames?: (streamId: string, clip: { t0: number; t1: number }) => RgbFrame[] | undefined;
  log?: (line: string) => void;
}

function groundTruthOf(m: LoadedManifest): EventLog | null {
  return m.groundTruthPath ? (JSON.parse(readFileSync(m.groundTruthPath, 'utf8')) as EventLog) : null;
}

/** The fullest description the budget allows, written from the event log: the oracle memory. */
function oracleText(log: EventLog, t0: number, t1: number): string {
  const all = { size: 1, color: 1, shape: 1, label: 1, position: 1 };
  return describeClip(log, t0, t1, seededRandom(Math.round(t0 * 1000) + 1), { probabilities: all, emphasis: 'label', staysProbability: 0 });
}

export async function evaluate(manifestPaths: string[], opts: EvalOptions = {}): Promise<MemorizerReport[]> {
  const log = opts.log ?? (() => {});
  useLocalModels();
  const spec = opts.vlm?.spec ?? opts.spec ?? (await preparedModelSpec(opts.modelId ?? FIXTURE_MODEL_ID));
  const manifests = manifestPaths.map((p) => {
    const manifest = loadManifest(p);
    return { path: p, manifest, truth: groundTruthOf(manifest) };
  });
  const vlm = opts.vlm ?? (await Vlm.load(spec));
  if (opts.adapter && !vlm.steer) throw new Error(`${spec.id} has no steer input; prepare it with npm run prepare-steer`);
  const answerer = opts.answerer ?? (await vlm.answerer());
  const steer = (on: boolean) => vlm.steer?.set(on && opts.adapter ? opts.adapter.vector : null);
  const reports: MemorizerReport[] = [];
  try {
    for (const name of opts.memorizers ?? [...MEMORIZERS]) {
      const started = performance.now();
      const streams: StreamReport[] = [];
      const skipped: MemorizerReport['skipped'] = [];
      // Fact scores of every memory of streams with ground truth, for the memorizer's total.
      const factScores: ReturnType<typeof scoreMemory>[] = [];
      for (const { path, manifest, truth } of manifests) {
        if (name === 'oracle' && !truth) {
          skipped.push({ manifest: path, reason: 'no groundTruth event log, so no oracle memory' });
          continue;
        }
        const source = openManifestFrames(manifest);
        const held = { answerable: 0, held: 0 };
        const half = halfTime(manifest.video.durationSeconds, manifest.clipSeconds);
        const set = opts.questions ?? 'all';
        const questions = manifest.questions.filter((q) => set === 'all' || (set === 'first-half' ? q.t < half : q.t >= half));
        // With a half-stream question set, the adapter exists only from the middle of the stream on.
        const adapterFrom = set === 'all' ? 0 : half;
        const memorizer = new Memorizer(vlm, { window: name === 'isolated' ? 0 : (opts.window ?? 2), adapterVersion: opts.adapter?.version ?? 0, dropNamesBelow: opts.dropNamesBelow ?? null, dropDetailsBelow: opts.dropDetailsBelow, focus: opts.focus ?? null });
        let run: StreamRun;
        try {
          run = await runStream(
            { id: manifest.id, durationSeconds: manifest.video.durationSeconds, clipSeconds: manifest.clipSeconds, questions },
            {
              async memorize(clip) {
                if (name === 'oracle') return { streamId: manifest.id, ...clip, text: oracleText(truth!, clip.t0, clip.t1) };
                const frames = opts.clipFrames?.(manifest.id, clip) ?? (await clipFramesOf(source, clip.t0, clip.t1, spec.frame.perClip));
                steer(clip.t0 >= adapterFrom);
                memorizer.options.adapterVersion = clip.t0 >= adapterFrom ? (opts.adapter?.version ?? 0) : 0;
                const r = await memorizer.memorize({ streamId: manifest.id, ...clip, frames });
                return r.ok ? r.memory : null;
              },
              async answer(q, visible) {
                if (truth && q.meta && q.answer !== UNKNOWN_ANSWER) {
                  held.answerable++;
                  if (answerInMemoryText([...visible], q.meta as QueryMeta, q.t) === q.answer) held.held++;
                }
                steer(false);
                return answerFromMemory(answerer, visible as ProtocolMemory[], q.question, {
                  asOf: q.t, choices: q.choices, maxContextLines: spec.answer.contextLines, contextUnit: spec.answer.unit,
                });
              },
            },
          );
        } catch (e) {
          // The stream named, not a bare stack: an empty or unreadable video fails here.
          throw new Error(`${path}: ${(e as Error).message}`);
        }
        const report: StreamReport = {
          id: manifest.id, manifest: path, run,
          ...(truth ? { answerInMemory: held } : {}),
          table: scoreTable(run.results.map((r) => ({ type: r.type, verdict: r.verdict }))),
          memory: memoryStats([{ streamSeconds: run.streamSeconds, memories: run.memories, rejected: run.rejectedClips.length }]),
        };
        if (truth) {
          const scores = run.memories.map((m) => scoreMemory(m.text, truth, m.t0, m.t1));
          factScores.push(...scores);
          Object.assign(report, aggregateFactScores(scores));
        }
        streams.push(report);
        log(`${name.padEnd(8)} ${manifest.id}: accuracy ${pct(report.table.overall.accuracy)}, ${run.memories.length} memories`);
      }
      const streamSeconds = streams.reduce((n, s) => n + s.run.streamSeconds, 0);
      const questions = streams.reduce((n, s) => n + s.run.results.length, 0);
      reports.push({
        memorizer: name,
        adapter: opts.adapter ? opts.adapter.source : 'none',
        streams,
        skipped,
        table: scoreTable(streams.flatMap((s) => s.run.results.map((r) => ({ type: r.type, verdict: r.verdict })))),
        memory: memoryStats(streams.map((s) => ({ streamSeconds: s.run.streamSeconds, memories: s.run.memories, rejected: s.run.rejectedClips.length }))),
        ...(streams.some((st) => st.factPrecision !== undefined) ? aggregateFactScores(factScores) : {}),
        ...answerInMemoryShare(streams),
        timing: {
          wallSeconds: (performance.now() - started) / 1000,
          streamSeconds,
          memorizeRealTimeFactor: streamSeconds ? streams.reduce((n, s) => n + s.run.memorizeSeconds, 0) / streamSeconds : 0,
          answerSecondsPerQuestion: questions ? streams.reduce((n, s) => n + s.run.answerSeconds, 0) / questions : 0,
        },
      });
    }
  } finally {
    steer(false);
    if (!opts.answerer && answerer !== vlm) await answerer.dispose();
    if (!opts.vlm) await vlm.dispose();
  }
  return reports;
}

function answerInMemoryShare(streams: StreamReport[]): { answerInMemory?: number } {
  const with_ = streams.filter((s) => s.answerInMemory);
  const answerable = with_.reduce((n, s) => n + s.answerInMemory!.answerable, 0);
  return answerable ? { answerInMemory: with_.reduce((n, s) => n + s.answerInMemory!.held, 0) / answerable } : {};
}

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | undefined, d = 3) => (x === undefined ? '-' : x.toFixed(d));

/** The result tables as Markdown: scores overall and per type, then memory statistics and speed. */
export function formatReports(reports: MemorizerReport[]): string {
  const types = [...new Set(reports.flatMap((r) => Object.keys(r.table.byType)))].sort();
  const lines: string[] = [];
  lines.push(`| memorizer | questions | accuracy | coverage | precision | ${types.map((t) => `${t} acc.`).join(' | ')} |`);
  lines.push(`| --- | ---: | ---: | ---: | ---: | ${types.map(() => '---:').join(' | ')} |`);
  for (const r of reports) {
    const o = r.table.overall;
    const per = types.map((t) => (r.table.byType[t] ? `${pct(r.table.byType[t]!.accuracy)} (${r.table.byType[t]!.questions})` : '-'));
    lines.push(`| ${r.memorizer} | ${o.questions} | ${pct(o.accuracy)} | ${pct(o.coverage)} | ${pct(o.precision)} | ${per.join(' | ')} |`);
  }
  lines.push('');
  lines.push('| memorizer | memories/min | mean words | repetition | rejected clips | fact precision | fact recall | answer in memory | memorize RTF | answer s/question | wall s |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of reports) {
    const m = r.memory;
    lines.push(`| ${r.memorizer} | ${m.memoriesPerMinute.toFixed(2)} | ${m.meanWords.toFixed(1)} | ${pct(m.repetitionRate)} | ${m.rejected} | ${num(r.factPrecision)} | ${num(r.factRecall)} | ${pct(r.answerInMemory)} | ${r.timing.memorizeRealTimeFactor.toFixed(4)} | ${r.timing.answerSecondsPerQuestion.toFixed(3)} | ${r.timing.wallSeconds.toFixed(1)} |`);
  }
  const skipped = reports.flatMap((r) => r.skipped.map((s) => `- ${r.memorizer} skipped ${s.manifest}: ${s.reason}`));
  if (skipped.length) lines.push('', ...skipped);
  return lines.join('\n');
}

export function parseQuestionSet(value: string | undefined): QuestionSet {
  if (!value) return 'all';
  if (!(QUESTION_SETS as readonly string[]).includes(value)) throw new Error(`unknown question set '${value}'; known: ${QUESTION_SETS.join(', ')}`);
  return value as QuestionSet;
}

export function parseMemorizers(value: string | undefined): MemorizerName[] {
  if (!value || value === 'all') return [...MEMORIZERS];
  const names = value.split(',');
  for (const n of names) if (!(MEMORIZERS as readonly string[]).includes(n)) throw new Error(`unknown memorizer '${n}'; known: all, ${MEMORIZERS.join(', ')}`);
  return names as MemorizerName[];
}

async function main() {
  const args = process.argv.slice(2);
  const valued = new Set(['--memorizer', '--adapter', '--json', '--model', '--window', '--questions']);
  const flag = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const manifests = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
  if (!manifests.length) {
    console.error('usage: npm run eval -- MANIFEST... [--memorizer all|isolated|taskmem|oracle] [--adapter none|FILE] [--questions all|first-half|second-half] [--json OUT] [--model ID]');
    process.exit(2);
  }
  const spec = await preparedModelSpec(flag('model') ?? FIXTURE_MODEL_ID);
  const adapterFlag = flag('adapter') ?? 'none';
  const adapter = adapterFlag === 'none' ? null : readAdapterFile(adapterFlag, spec);
  const reports = await evaluate(manifests, {
    memorizers: parseMemorizers(flag('memorizer')),
    questions: parseQuestionSet(flag('questions')),
    adapter,
    spec,
    window: flag('window') ? Number(flag('window')) : undefined,
    log: (l) => process.stderr.write(l + '\n'),
  });
  console.log(`model ${spec.id}, adapter ${adapter ? adapter.source : 'none'}, questions ${flag('questions') ?? 'all'}, ${manifests.length} stream(s)\n`);
  console.log(formatReports(reports));
  const out = flag('json');
  if (out) {
    writeFileSync(out, JSON.stringify({ model: spec.id, adapter: adapter?.source ?? 'none', manifests, reports }, null, 1));
    console.log(`\nwrote ${out}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(`eval: ${(e as Error).message}`);
    process.exit(1);
  });

/**
 * Where the benchmark's answers are lost: per question type, how many answers memory held and the
 * answering model got right or missed, and why memory did not hold the others (src/eval/answer-loss.ts).
 * Runs the TaskMem memorizer as `npm run eval` does; with --adapter, once without and once with it.
 *
 *   npm run eval:losses -- MANIFEST... [--adapter FILE] [--questions all|first-half|second-half] [--types color,position]
 *
 * Needs world streams (manifests whose questions carry their meaning, from `npm run world`).
 */
import { answerLossesOf } from './lib/answer-losses';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { evaluate, parseQuestionSet, readAdapterFile, type AdapterFile } from './eval';
import { Vlm } from '../src/memorize/vlm';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { ANSWER_LOSSES, heldAnsweredRight, type AnswerLossTable } from '../src/eval/answer-loss';

const args = process.argv.slice(2);
const valued = new Set(['--adapter', '--questions', '--types']);
const flag = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const manifests = args.filter((a, i) => !a.startsWith('--') && !valued.has(args[i - 1] ?? ''));
if (!manifests.length) {
  console.error('usage: npm run eval:losses -- MANIFEST... [--adapter FILE] [--questions all|first-half|second-half] [--types color,position]');
  process.exit(2);
}
const questions = parseQuestionSet(flag('questions'));
const types = flag('types')?.split(',');

useLocalModels();
const spec = await preparedModelSpec(FIXTURE_MODEL_ID);
const adapterPath = flag('adapter');
const settings: (AdapterFile | null)[] = [null, ...(adapterPath ? [readAdapterFile(adapterPath, spec)] : [])];
const vlm = await Vlm.load(spec);
const answerer = await vlm.answerer();
try {
  for (const adapter of settings) {
    const [report] = await evaluate(manifests, { memorizers: ['taskmem'], questions, adapter, vlm, answerer, log: (l) => process.stderr.write(l + '\n') });
    console.log(`\nadapter ${adapter ? adapter.source : 'none'}, questions ${questions}, ${manifests.length} stream(s): answerable questions by where their answer was lost\n`);
    console.log(formatLossTable(answerLossesOf(report!, types)));
  }
} finally {
  if (answerer !== vlm) await answerer.dispose();
  await vlm.dispose();
}

function formatLossTable(table: AnswerLossTable): string {
  const losses = ANSWER_LOSSES.filter((l) => Object.values(table).some((row) => row[l]));
  const lines = [`| type | questions | ${losses.join(' | ')} | held answered right |`, `| --- | ---: | ${losses.map(() => '---:').join(' | ')} | ---: |`];
  for (const [type, row] of Object.entries(table).sort()) {
    const total = Object.values(row).reduce((n, k) => n + (k ?? 0), 0);
    const { held, right } = heldAnsweredRight(row);
    lines.push(`| ${type} | ${total} | ${losses.map((l) => row[l] ?? 0).join(' | ')} | ${held ? `${right}/${held} (${((100 * right) / held).toFixed(0)}%)` : '-'} |`);
  }
  return lines.join('\n');
}

/**
 * npm run world -- --seed N --out DIR [--minutes M] [--fps F] [--focus TYPE] [--no-video] [--frames-every S] [--questions-per-minute Q]
 * Renders a synthetic world stream deterministically from the seed (see scripts/lib/world-files.ts).
 */
import { writeWorldStream } from './lib/world-files';
import { QUESTION_TYPES, type QuestionType } from '../src/world/types';

function fail(msg: string): never {
  console.error(`world: ${msg}`);
  console.error('usage: npm run world -- --seed N --out DIR [--minutes M] [--fps F] [--focus TYPE] [--no-video] [--frames-every S] [--questions-per-minute Q]');
  process.exit(2);
}

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`--${name} needs a value`);
  return v;
};
const number = (name: string, dflt?: number) => {
  const v = value(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, got "${v}"`);
  return n;
};

const seed = Number(value('seed') ?? fail('--seed is required'));
if (!Number.isInteger(seed)) fail('--seed must be an integer');
const out = value('out') ?? fail('--out is required');
const focus = value('focus');
if (focus !== undefined && !QUESTION_TYPES.includes(focus as QuestionType))
  fail(`--focus must be one of ${QUESTION_TYPES.join(', ')}`);

const result = await writeWorldStream({
  seed,
  outDir: out,
  minutes: number('minutes', 3),
  fps: number('fps', 5),
  focus: focus as QuestionType | undefined,
  video: !args.includes('--no-video'),
  framesEverySeconds: number('frames-every', 5),
  // adapter:results writes its streams with 8, so they can be written again here and read with eval.
  questionsPerMinute: number('questions-per-minute'),
});
console.log(
  `world seed ${seed}: ${result.events} events, ${result.questions} questions, ${result.frames} sampled frames, ` +
    `${result.videoFrames} video frames -> ${result.manifestPath}`,
);

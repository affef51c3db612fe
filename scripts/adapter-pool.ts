/**
 * Pools the rows of several `adapter:results --json` runs: the same focus and setting measured on
 * different sets of streams, counted together as one larger set, with the stream-resampled interval
 * (src/eval/paired-change.ts). One set of 16 streams cannot show the bar (issue 6: the focused type
 * up 7 points, the others down at most 2); several can.
 *
 *   npm run adapter:pool -- [--write] docs/adapter-runs/A.json docs/adapter-runs/B.json ...
 *
 * --write puts the pooled table into docs/results.md as a generated block, at the head of the
 * adapter section, so the figures the bar is judged on are never typed by hand.
 */
import { readFileSync } from 'node:fs';
import { formatInterval, formatPoints, pairedChange, type PairedChange, type PairedCounts } from '../src/eval/paired-change';
import { QUESTION_TYPES } from '../src/world/types';
import { writeGeneratedBlock } from './lib/generated-block';
import { defaultTrainingSettings, describeSettings, settingsKey, type TrainingSettings } from './lib/adapter-settings';

/** One row of an adapter:results run, with its per-stream counts (in the order of `seeds`). */
export interface AdapterRunRecord {
  focus: string;
  variant: string;
  scale: number;
  seeds: number[];
  /**
   * What the row's training used. Rows pool by it, not by their variant's name: `default` meant 3
   * pairs per clip before 2026-12-07 and 15 after. Files written before it was recorded lack it.
   */
  settings?: TrainingSettings;
  focused: PairedCounts[];
  others: PairedCounts[];
}

export interface PooledRow {
  key: string;
  focus: string;
  scale: number;
  /** How the group's settings differ from today's default: '' when they are today's default. */
  setting: string;
  seeds: number[];
  focused: PairedChange;
  others: PairedChange;
  /** The bar on the pooled figures: focused +7 points or more, others -2 or more. */
  meetsBar: boolean;
}

/**
 * Rows of the same focus, scale and settings, whatever their variant was called. A group is named
 * by its focus and variant names, then by how its settings differ from today's default (nothing
 * when they are today's default), or "settings not recorded" for rows of older files, which only
 * pool with rows of the same name.
 */
export function poolRuns(runs: { rows: AdapterRunRecord[] }[]): PooledRow[] {
  const today = defaultTrainingSettings();
  const groups = new Map<string, AdapterRunRecord[]>();
  for (const run of runs) {
    for (const row of run.rows) {
      const id = JSON.stringify([row.focus, row.scale, row.settings ? settingsKey(row.settings) : `named ${row.variant}`]);
      groups.set(id, [...(groups.get(id) ?? []), row]);
    }
  }
  return [...groups.values()].map((rows) => {
    const first = rows[0]!;
    const names = [...new Set(rows.map((r) => r.variant))].join('/');
    const differs = first.settings ? describeSettings(first.settings, today) : 'settings not recorded';
    const key = `${first.focus} ${names}${first.scale !== 1 ? ` x${first.scale}` : ''}${differs ? ` [${differs}]` : ''}`;
    const seeds = rows.flatMap((r) => r.seeds);
    if (new Set(seeds).size !== seeds.length) throw new Error(`${key}: a stream is counted twice (seeds ${seeds.join(', ')})`);
    const focused = pairedChange(rows.flatMap((r) => r.focused));
    const others = pairedChange(rows.flatMap((r) => r.others));
    return { key, focus: first.focus, scale: first.scale, setting: differs, seeds, focused, others, meetsBar: focused.change >= 0.07 && others.change >= -0.02 };
  });
}

/** 7445-7476, 7541-7572: each run of consecutive seeds as one range. */
export function seedRuns(seeds: number[]): string {
  const sorted = [...seeds].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const s of sorted) {
    const last = runs[runs.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else runs.push([s, s]);
  }
  return runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
}

/** The section of docs/results.md that adapter:results' blocks and the pooled table go under. */
export const ADAPTER_SECTION_HEADING = '## The task adapter (`npm run adapter:results -- --write`)';
const POOL_START = '<!-- adapter-pool:start (written by npm run adapter:pool -- --write docs/adapter-runs/*.json) -->';
const POOL_END = '<!-- adapter-pool:end -->';

/**
 * The pooled rows as a markdown table: today's default first within each focus (in the order of
 * the question types), then the other settings, each at its scale.
 */
export function poolTable(rows: PooledRow[]): string {
  const focusRank = (f: string) => {
    const i = (QUESTION_TYPES as readonly string[]).indexOf(f);
    return i < 0 ? QUESTION_TYPES.length : i;
  };
  const ordered = [...rows].sort(
    (a, b) => focusRank(a.focus) - focusRank(b.focus) || Number(a.setting !== '') - Number(b.setting !== '') || a.setting.localeCompare(b.setting) || a.scale - b.scale,
  );
  const change = (c: PairedChange) => `${formatPoints(c.change)} (${formatInterval(c)})`;
  const lines = ordered.map((r) => {
    const setting = `${r.setting || "today's default"}${r.scale !== 1 ? `, vector x${r.scale}` : ''}`;
    const cells = [r.focus, setting, `${r.seeds.length}: ${seedRuns(r.seeds)}`, `${r.focused.questions}`, change(r.focused), `${r.others.questions}`, change(r.others), r.meetsBar ? '**met**' : 'not met'];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| focus | setting | streams | focused questions | focused: change in points (95% interval) | other questions | others: change (95% interval) | bar |',
    '| --- | --- | --- | ---: | --- | ---: | --- | --- |',
    ...lines,
  ].join('\n');
}

export function poolBlock(rows: PooledRow[], files: string[]): string {
  return [
    POOL_START,
    `Every set of fresh streams measured with \`--json\` (${files.length} files in \`docs/adapter-runs/\`), pooled by the settings each adapter was trained with and the factor its vector was applied at; each set was trained and scored on its own, as one deployment would be. The bar (issue 6): the focused type +7 points or more while the other types lose at most 2. Intervals resample whole streams (\`src/eval/paired-change.ts\`).`,
    '',
    poolTable(rows),
    POOL_END,
  ].join('\n');
}

if (process.argv[1]?.endsWith('adapter-pool.ts')) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a !== '--write');
  if (!files.length) throw new Error('usage: npm run adapter:pool -- [--write] RUN.json ...');
  const rows = poolRuns(files.map((f) => JSON.parse(readFileSync(f, 'utf8'))));
  for (const row of rows) {
    console.log(
      `${row.key}: ${row.seeds.length} streams; focused ${row.focused.questions} questions ${formatPoints(row.focused.change)} (${formatInterval(row.focused)}), ` +
        `others ${row.others.questions} questions ${formatPoints(row.others.change)} (${formatInterval(row.others)}); bar ${row.meetsBar ? 'met' : 'not met'}`,
    );
  }
  if (args.includes('--write')) {
    const RESULTS = 'docs/results.md';
    writeGeneratedBlock(RESULTS, { start: POOL_START, end: POOL_END, text: poolBlock(rows, files), after: /^## The task adapter.*$/gm, heading: ADAPTER_SECTION_HEADING }, '# Results\n');
    console.log(`updated ${RESULTS}`);
  }
}

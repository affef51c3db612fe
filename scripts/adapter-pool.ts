/**
 * Pools the rows of several `adapter:results --json` runs: the same focus and setting measured on
 * different sets of streams, counted together as one larger set, with the stream-resampled interval
 * (src/eval/paired-change.ts). One set of 16 streams cannot show the bar (issue 6: the focused type
 * up 7 points, the others down at most 2); several can.
 *
 *   npm run adapter:pool -- docs/adapter-runs/A.json docs/adapter-runs/B.json ...
 */
import { readFileSync } from 'node:fs';
import { formatInterval, formatPoints, pairedChange, type PairedChange, type PairedCounts } from '../src/eval/paired-change';
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
    return { key, seeds, focused, others, meetsBar: focused.change >= 0.07 && others.change >= -0.02 };
  });
}

if (process.argv[1]?.endsWith('adapter-pool.ts')) {
  const files = process.argv.slice(2);
  if (!files.length) throw new Error('usage: npm run adapter:pool -- RUN.json ...');
  for (const row of poolRuns(files.map((f) => JSON.parse(readFileSync(f, 'utf8'))))) {
    console.log(
      `${row.key}: ${row.seeds.length} streams; focused ${row.focused.questions} questions ${formatPoints(row.focused.change)} (${formatInterval(row.focused)}), ` +
        `others ${row.others.questions} questions ${formatPoints(row.others.change)} (${formatInterval(row.others)}); bar ${row.meetsBar ? 'met' : 'not met'}`,
    );
  }
}

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

/** One row of an adapter:results run, with its per-stream counts (in the order of `seeds`). */
export interface AdapterRunRecord {
  focus: string;
  variant: string;
  scale: number;
  seeds: number[];
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

export function poolRuns(runs: { rows: AdapterRunRecord[] }[]): PooledRow[] {
  const groups = new Map<string, AdapterRunRecord[]>();
  for (const run of runs) {
    for (const row of run.rows) {
      const key = `${row.focus} ${row.variant}${row.scale !== 1 ? ` x${row.scale}` : ''}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
  }
  return [...groups].map(([key, rows]) => {
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

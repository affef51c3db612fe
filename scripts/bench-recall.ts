/**
 * Recall at scale in headless Chromium: fills IndexedDB with 1k, 10k and 100k synthetic memories
 * (world-like sentences, embeddings computed at write as the app does), and at each size reports
 * insert throughput, the time to read memory back and build the recall index after a reload,
 * search latency (median, p95) for lexical, vector, time-range and time-filtered queries and for
 * the whole answer-context selection, the vector search's agreement with an exact scan, and
 * storage per memory (navigator.storage.estimate() delta). Writes its block of docs/results.md.
 *
 *   npm run bench:recall [-- --sizes 1000,10000,100000 --queries 200 --no-write]
 */
import { cpus, loadavg } from 'node:os';
import { launchChromium, startDevServer } from './lib/chromium';
import { writeGeneratedBlock } from './lib/generated-block';

const args = process.argv.slice(2);
const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
const sizes = (flag('sizes') ?? '1000,10000,100000').split(',').map(Number);
const queries = Number(flag('queries') ?? 200);
const RESULTS = 'docs/results.md';
const START = '<!-- recall:start (written by npm run bench:recall) -->';
const END = '<!-- recall:end -->';
const DB = 'bench-recall';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

interface Row {
  size: number;
  insertPerSecond: number;
  readMs: number;
  buildMs: number;
  miniSearchBuildMs: number;
  bytesPerMemory: number;
  vectorRecall: number;
  rangedContextInRange: number;
  latency: Record<string, { median: number; p95: number }>;
}

const { server, url } = await startDevServer();
const { context, close } = await launchChromium();
const rows: Row[] = [];
const started = Date.now();
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  page.on('console', (m) => m.type() === 'error' && process.stderr.write(`page console: ${m.text()}\n`));
  const open = async () => {
    await page.goto(`${url}/scripts/recall-bench/page.html`);
    await page.waitForFunction(() => document.title === 'recall bench ready', undefined, { timeout: 120_000 });
  };
  await open();
  const empty = await page.evaluate((n) => window.recallBench.reset(n), DB);
  let filled = 0;
  for (const size of sizes) {
    const insertMs = await page.evaluate(([n, from, count]) => window.recallBench.fill(n as string, from as number, count as number), [DB, filled, size - filled] as const);
    const inserted = size - filled;
    filled = size;
    await page.evaluate(() => window.recallBench.close());
    // A reload, as a user opening the app again: the index is rebuilt from what IndexedDB holds.
    await open();
    const used = await page.evaluate(() => window.recallBench.usage());
    const load = await page.evaluate((n) => window.recallBench.load(n), DB);
    if (load.count !== size) throw new Error(`expected ${size} memories, read ${load.count}`);
    const q = await page.evaluate((n) => window.recallBench.queries(n), queries);
    const vectorRecall = await page.evaluate(() => window.recallBench.vectorRecall(50));
    const row: Row = {
      size,
      insertPerSecond: inserted / (insertMs / 1000),
      readMs: load.readMs,
      buildMs: load.buildMs,
      miniSearchBuildMs: load.miniSearchBuildMs,
      bytesPerMemory: (used - empty) / size,
      vectorRecall,
      rangedContextInRange: q.rangedContextInRange,
      latency: Object.fromEntries(Object.entries(q.times).map(([k, xs]) => [k, { median: quantile(xs, 0.5), p95: quantile(xs, 0.95) }])),
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
  await page.evaluate((n) => window.recallBench.reset(n), DB);
} finally {
  await close();
  await server.close();
}

const kinds = Object.keys(rows[0]?.latency ?? {});
const table = [
  `| memories | insert (memories/s) | read after reload (ms) | index build (ms) | MiniSearch build, for comparison (ms) | storage per memory (bytes) | vector top-10 agreement with exact scan |`,
  `|---:|---:|---:|---:|---:|---:|---:|`,
  ...rows.map((r) => `| ${r.size} | ${r.insertPerSecond.toFixed(0)} | ${r.readMs.toFixed(0)} | ${r.buildMs.toFixed(0)} | ${r.miniSearchBuildMs.toFixed(0)} | ${r.bytesPerMemory.toFixed(0)} | ${(r.vectorRecall * 100).toFixed(0)}% |`),
  '',
  `Search latency, ms, median / p95 over ${queries} queries:`,
  '',
  `| memories | ${kinds.join(' | ')} |`,
  `|---:|${kinds.map(() => '---:').join('|')}|`,
  ...rows.map((r) => `| ${r.size} | ${kinds.map((k) => `${ms(r.latency[k].median)} / ${ms(r.latency[k].p95)}`).join(' | ')} |`),
];
const block = [
  START,
  `Headless Chromium (\`--disable-gpu\`), ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0].toFixed(1)} at the end; synthetic world-like memories without thumbnails, one stream, 10-second clips; measured ${new Date().toISOString().slice(0, 10)} in ${((Date.now() - started) / 1000).toFixed(0)} s. Lexical: the recall index's BM25 (typed-array postings), up to 48 hits, and MiniSearch 7 over the same words for comparison (not used by the app); vector: hashed n-gram embeddings (256 dimensions), 48 nearest; "answer context" is the whole choice of 12 lines for a question (lexical + vector + recency, plus the time range when the question names one). docs/recall.md explains each column.`,
  '',
  ...table,
  END,
].join('\n');
console.log(block);
if (!args.includes('--no-write')) {
  writeGeneratedBlock(RESULTS, { start: START, end: END, text: block, heading: '## Recall at scale' });
}

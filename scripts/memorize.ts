/**
 * Runs the memorization core over a whole stream, clip by clip, in Node.
 *
 *   npm run memorize -- MANIFEST --out FILE.json [--model ID] [--steer FILE.json] [--window N] [--max-clips N]
 *
 * Writes {memories, rejected, factPrecision, factRecall, ...}; the fact scores are computed when
 * the manifest has a groundTruth event log (our world streams) and omitted otherwise.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadManifest } from './lib/load-manifest';
import { clipFramesOf, openManifestFrames } from './lib/frame-source';
import { preparedModelSpec, useLocalModels } from './lib/node-models';
import { Vlm } from '../src/memorize/vlm';
import { Memorizer } from '../src/memorize/memorizer';
import { FIXTURE_MODEL_ID } from '../src/memorize/registry';
import { scoreMemory, aggregateFactScores } from '../src/world/facts';
import type { EventLog } from '../src/world/types';
import type { MemoryRecord, RejectedClip } from '../src/memorize/types';

export interface MemorizeRunOptions {
  modelId?: string;
  steer?: Float32Array | null;
  adapterVersion?: number;
  window?: number;
  maxClips?: number;
  /** Drop names the model gave a log-probability under this (src/memorize/confidence.ts); default keep all. */
  dropNamesBelow?: number | null;
  /** Drop places and colour changes the model gave a log-probability under this; null keeps them; default the memorizer's. */
  dropDetailsBelow?: number | null;
  onClip?: (done: number, total: number, memory: MemoryRecord | null) => void;
  vlm?: Vlm;
}

export interface MemorizeRun {
  manifest: string;
  streamId: string;
  model: string;
  memories: MemoryRecord[];
  rejected: RejectedClip[];
  factPrecision?: number;
  factRecall?: number;
  timing: { seconds: number; streamSeconds: number; realTimeFactor: number; modelSeconds: number };
}

export async function memorizeManifest(manifestPath: string, opts: MemorizeRunOptions = {}): Promise<MemorizeRun> {
  const manifest = loadManifest(manifestPath);
  useLocalModels();
  const spec = opts.vlm?.spec ?? (await preparedModelSpec(opts.modelId ?? FIXTURE_MODEL_ID));
  const vlm = opts.vlm ?? (await Vlm.load(spec));
  if (opts.steer !== undefined) {
    if (!vlm.steer) throw new Error(`${spec.id} has no steer input`);
    vlm.steer.set(opts.steer);
  }
  let modelSeconds = 0;
  const time = async <T>(call: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await call();
    } finally {
      modelSeconds += (performance.now() - t) / 1000;
    }
  };
  const timed = {
    spec: vlm.spec,
    generate: (...a: Parameters<Vlm['generate']>) => time(() => vlm.generate(...a)),
    generateScored: (...a: Parameters<Vlm['generateScored']>) => time(() => vlm.generateScored(...a)),
  };
  const memorizer = new Memorizer(timed, { window: opts.window ?? 2, adapterVersion: opts.adapterVersion ?? 0, dropNamesBelow: opts.dropNamesBelow ?? null, dropDetailsBelow: opts.dropDetailsBelow });
  const source = openManifestFrames(manifest);
  const duration = manifest.video.durationSeconds;
  const clipSeconds = manifest.clipSeconds;
  let clips = Math.floor(duration / clipSeconds + 1e-9);
  if (opts.maxClips !== undefined) clips = Math.min(clips, opts.maxClips);
  const memories: MemoryRecord[] = [];
  const rejected: RejectedClip[] = [];
  const started = performance.now();
  for (let c = 0; c < clips; c++) {
    const t0 = c * clipSeconds;
    const t1 = t0 + clipSeconds;
    const frames = await clipFramesOf(source, t0, t1, spec.frame.perClip);
    const result = await memorizer.memorize({ streamId: manifest.id, clipIndex: c, t0, t1, frames });
    if (result.ok) memories.push(result.memory);
    else rejected.push(result.rejected);
    opts.onClip?.(c + 1, clips, result.ok ? result.memory : null);
  }
  const seconds = (performance.now() - started) / 1000;
  const run: MemorizeRun = {
    manifest: manifestPath,
    streamId: manifest.id,
    model: spec.id,
    memories,
    rejected,
    timing: { seconds, streamSeconds: clips * clipSeconds, realTimeFactor: seconds / (clips * clipSeconds || 1), modelSeconds },
  };
  if (manifest.groundTruthPath) {
    const log = JSON.parse(readFileSync(manifest.groundTruthPath, 'utf8')) as EventLog;
    const scores = aggregateFactScores(memories.map((m) => scoreMemory(m.text, log, m.t0, m.t1)));
    run.factPrecision = scores.factPrecision;
    run.factRecall = scores.factRecall;
  }
  if (!opts.vlm) await vlm.dispose();
  return run;
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // A log-probability threshold, or 'none' to turn the filter off; undefined leaves the default.
  const logProbFlag = (name: string): number | null | undefined => {
    const value = flag(name);
    if (value === undefined) return undefined;
    if (value === 'none') return null;
    const n = Number(value);
    if (!Number.isFinite(n) || n > 0) {
      console.error(`--${name} takes a log-probability (a number <= 0) or 'none', not '${value}'`);
      process.exit(2);
    }
    return n;
  };
  const manifestPath = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const out = flag('out');
  if (!manifestPath || !out) {
    console.error('usage: npm run memorize -- MANIFEST --out FILE.json [--model ID] [--steer FILE.json] [--window N] [--drop-names-below LOGPROB] [--drop-details-below LOGPROB|none]');
    process.exit(2);
  }
  const steerFile = flag('steer');
  const steer = steerFile ? Float32Array.from(JSON.parse(readFileSync(steerFile, 'utf8')).vector as number[]) : undefined;
  const run = await memorizeManifest(manifestPath, {
    modelId: flag('model'),
    steer,
    window: flag('window') ? Number(flag('window')) : undefined,
    maxClips: flag('max-clips') ? Number(flag('max-clips')) : undefined,
    dropNamesBelow: flag('drop-names-below') ? Number(flag('drop-names-below')) : undefined,
    dropDetailsBelow: logProbFlag('drop-details-below'),
    onClip: (done, total, m) => process.stderr.write(`\r[${done}/${total}] ${m ? m.text.slice(0, 70).padEnd(70) : '(rejected)'.padEnd(70)}`),
  });
  process.stderr.write('\n');
  writeFileSync(out, JSON.stringify(run, null, 2));
  console.log(`${run.memories.length} memories, ${run.rejected.length} rejected clips -> ${out}`);
  if (run.factPrecision !== undefined)
    console.log(`fact precision ${run.factPrecision.toFixed(3)}  fact recall ${run.factRecall!.toFixed(3)}`);
  console.log(`wall ${run.timing.seconds.toFixed(1)} s for ${run.timing.streamSeconds} s of stream (real-time factor ${run.timing.realTimeFactor.toFixed(3)})`);
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(`memorize: ${(e as Error).message}`);
    process.exit(1);
  });

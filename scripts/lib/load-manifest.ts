/**
 * Node-side manifest loading (docs/benchmark-format.md): read the file, parse JSON, validate with
 * src/eval/manifest.ts, resolve every path against the manifest's folder and check that the files
 * it names exist. Every problem found is reported in one ManifestError, each with the resolved
 * path and the manifest field that named it; warnings come back on the result for the caller to print.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkManifest, GROUND_TRUTH_FORMAT, ManifestError, type Manifest } from '../../src/eval/manifest';

export interface LoadedManifest extends Manifest {
  /** Absolute path of the manifest file. */
  path: string;
  /** Validation and file warnings, `<json path>: <message>`; the caller decides how to show them. */
  warnings: string[];
  video: Manifest['video'] & { absolutePath: string };
  /** Absolute path of `groundTruth`, when given. */
  groundTruthPath?: string;
  /** Absolute path of `frames.dir`, when given. */
  framesDir?: string;
}

/** The file name of the pre-extracted frame at second `t` (t0005.png). */
export const frameFileName = (t: number) => `t${String(Math.round(t)).padStart(4, '0')}.png`;

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const str = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse's message on one line, plus line and column when the engine gives a position. */
function jsonErrorMessage(text: string, e: unknown): string {
  // one line: newer engines quote the offending text, newlines included
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
  const m = /position (\d+)/.exec(msg);
  if (!m) return msg;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${msg} (line ${line}, column ${column})`;
}

export function loadManifest(file: string): LoadedManifest {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ManifestError([`manifest file not found: ${abs}`], abs);
  if (!statSync(abs).isFile()) throw new ManifestError([`manifest path is not a file: ${abs}`], abs);
  const text = readFileSync(abs, 'utf8').replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ManifestError([`not valid JSON: ${jsonErrorMessage(text, e)}`], abs);
  }

  const { manifest, problems, warnings } = checkManifest(json);
  // File checks run on every path field that is well-formed, even when other fields are not, so
  // that one run of the loader lists everything that is wrong.
  const raw = obj(json) ? json : {};
  const base = dirname(abs);
  const video = obj(raw.video) ? raw.video : {};
  const frames = obj(raw.frames) ? raw.frames : undefined;

  let videoPath = '';
  if (str(video.path)) {
    videoPath = resolve(base, video.path);
    const where = `(manifest.video.path = ${JSON.stringify(video.path)})`;
    if (existsSync(videoPath) && !statSync(videoPath).isFile()) problems.push(`video path is not a file: ${videoPath} ${where}`);
    else if (!existsSync(videoPath) && !(frames && str(frames.dir))) problems.push(`video file not found: ${videoPath} ${where}`);
    else if (!existsSync(videoPath))
      warnings.push(`manifest.video.path: video file not found: ${videoPath}; only the pre-extracted frames can be used (a Node run fails at a time they do not cover)`);
  }

  let groundTruthPath: string | undefined;
  if (str(raw.groundTruth)) {
    groundTruthPath = resolve(base, raw.groundTruth);
    const where = `(manifest.groundTruth = ${JSON.stringify(raw.groundTruth)})`;
    if (!isFile(groundTruthPath)) problems.push(`ground-truth file not found: ${groundTruthPath} ${where}`);
    else {
      const gtText = readFileSync(groundTruthPath, 'utf8').replace(/^\uFEFF/, '');
      let log: unknown;
      try {
        log = JSON.parse(gtText);
      } catch (e) {
        problems.push(`ground-truth file is not valid JSON: ${groundTruthPath} ${where}: ${jsonErrorMessage(gtText, e)}`);
      }
      if (log !== undefined && (!obj(log) || log.format !== GROUND_TRUTH_FORMAT))
        problems.push(
          `ground-truth file is not a "${GROUND_TRUTH_FORMAT}" event log (its format field is ${JSON.stringify(obj(log) ? log.format : undefined) ?? 'missing'}): ${groundTruthPath} ${where}`,
        );
    }
  }

  let framesDir: string | undefined;
  if (frames && str(frames.dir)) {
    framesDir = resolve(base, frames.dir);
    const where = `(manifest.frames.dir = ${JSON.stringify(frames.dir)})`;
    if (!isDir(framesDir)) problems.push(`frames folder not found: ${framesDir} ${where}`);
    else if (manifest?.frames) {
      const present = new Set(readdirSync(framesDir));
      const { everySeconds } = manifest.frames;
      const expected: string[] = [];
      for (let k = 0; k * everySeconds <= manifest.video.durationSeconds + 1e-9; k++) expected.push(frameFileName(k * everySeconds));
      const missing = expected.filter((f) => !present.has(f));
      if (missing.length === expected.length)
        warnings.push(`manifest.frames.dir: no frames named like ${expected[0]} in ${framesDir}; the video will be decoded instead`);
      else if (missing.length)
        warnings.push(`manifest.frames.dir: ${missing.length} of ${expected.length} frames missing in ${framesDir} (first: ${missing[0]}); the video is decoded at those times`);
    }
  }

  if (problems.length || !manifest) throw new ManifestError(problems, abs);
  return { ...manifest, path: abs, warnings, video: { ...manifest.video, absolutePath: videoPath }, groundTruthPath, framesDir };
}

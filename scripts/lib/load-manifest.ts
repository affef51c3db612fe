/** Node-side manifest loading: JSON parse, validation, paths resolved against the manifest's folder. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ManifestError, validateManifest, type Manifest } from '../../src/eval/manifest';

export interface LoadedManifest extends Manifest {
  path: string;
  warnings: string[];
  video: Manifest['video'] & { absolutePath: string };
  groundTruthPath?: string;
  framesDir?: string;
}

export function loadManifest(path: string): LoadedManifest {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new ManifestError([`manifest file not found: ${abs}`], path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new ManifestError([`not valid JSON: ${(e as Error).message}`], abs);
  }
  const { manifest, warnings } = validateManifest(json, abs);
  const base = dirname(abs);
  const problems: string[] = [];
  const videoPath = resolve(base, manifest.video.path);
  if (!existsSync(videoPath) && !manifest.frames)
    problems.push(`video file not found: ${videoPath} (manifest.video.path = ${JSON.stringify(manifest.video.path)})`);
  else if (!existsSync(videoPath)) warnings.push(`video file not found: ${videoPath}; using the pre-extracted frames only`);
  let groundTruthPath: string | undefined;
  if (manifest.groundTruth) {
    groundTruthPath = resolve(base, manifest.groundTruth);
    if (!existsSync(groundTruthPath)) problems.push(`ground-truth file not found: ${groundTruthPath} (manifest.groundTruth)`);
  }
  let framesDir: string | undefined;
  if (manifest.frames) {
    framesDir = resolve(base, manifest.frames.dir);
    if (!existsSync(framesDir) || !statSync(framesDir).isDirectory()) problems.push(`frames folder not found: ${framesDir} (manifest.frames.dir)`);
  }
  if (problems.length) throw new ManifestError(problems, abs);
  return { ...manifest, path: abs, warnings, video: { ...manifest.video, absolutePath: videoPath }, groundTruthPath, framesDir };
}

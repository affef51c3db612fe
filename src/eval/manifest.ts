/**
 * The benchmark manifest: the contract for every stream we evaluate, including streams made outside
 * this repo (docs/benchmark-format.md). Validation reports every problem at once, each with its
 * JSON path, and never throws a bare TypeError at a user.
 */

export interface ManifestQuestion {
  id: string;
  /** Second of stream time at which the question is asked. */
  t: number;
  type: string;
  question: string;
  choices?: string[];
  /** The expected answer; "unknown" marks a question the stream cannot answer (abstain). */
  answer: string;
  /** Generator-specific structured form of the question; ignored by the evaluation. */
  meta?: Record<string, unknown>;
}

export interface Manifest {
  id: string;
  video: { path: string; fps: number; durationSeconds: number };
  clipSeconds: number;
  questions: ManifestQuestion[];
  groundTruth?: string;
  frames?: { dir: string; everySeconds: number };
}

export const UNKNOWN_ANSWER = 'unknown';
const KNOWN_KEYS = new Set(['id', 'video', 'clipSeconds', 'questions', 'groundTruth', 'frames', 'description']);
const TYPE_ID = /^[a-z][a-z0-9_-]*$/;

export class ManifestError extends Error {
  constructor(readonly problems: string[], source = 'manifest') {
    super(`invalid benchmark manifest (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

export interface ValidatedManifest {
  manifest: Manifest;
  warnings: string[];
}

export function validateManifest(json: unknown, source = 'manifest'): ValidatedManifest {
  const problems: string[] = [];
  const warnings: string[] = [];
  const bad = (path: string, msg: string) => problems.push(`${path}: ${msg}`);
  if (!isObject(json)) throw new ManifestError([`manifest: expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`], source);

  for (const k of Object.keys(json)) if (!KNOWN_KEYS.has(k)) warnings.push(`manifest.${k}: unknown field, ignored`);
  if (!nonEmpty(json.id)) bad('manifest.id', `expected a non-empty string, got ${show(json.id)}`);

  let duration = NaN;
  if (!isObject(json.video)) bad('manifest.video', 'expected an object {path, fps, durationSeconds}');
  else {
    const v = json.video;
    if (!nonEmpty(v.path)) bad('manifest.video.path', `expected a non-empty path, got ${show(v.path)}`);
    if (!isPositive(v.fps)) bad('manifest.video.fps', `expected a positive number, got ${show(v.fps)}`);
    if (!isPositive(v.durationSeconds)) bad('manifest.video.durationSeconds', `expected a positive number, got ${show(v.durationSeconds)}`);
    else duration = v.durationSeconds;
  }
  if (!isPositive(json.clipSeconds)) bad('manifest.clipSeconds', `expected a positive number, got ${show(json.clipSeconds)}`);
  else if (json.clipSeconds > duration) bad('manifest.clipSeconds', `${json.clipSeconds} is longer than the video (${duration} s)`);

  if (json.groundTruth !== undefined && !nonEmpty(json.groundTruth)) bad('manifest.groundTruth', `expected a path, got ${show(json.groundTruth)}`);
  if (json.frames !== undefined) {
    if (!isObject(json.frames) || !nonEmpty(json.frames.dir) || !isPositive(json.frames.everySeconds))
      bad('manifest.frames', 'expected {dir: path, everySeconds: positive number}');
  }

  if (!Array.isArray(json.questions)) bad('manifest.questions', `expected an array, got ${show(json.questions)}`);
  else {
    if (!json.questions.length) warnings.push('manifest.questions: empty; only memory will be written');
    const ids = new Set<string>();
    json.questions.forEach((q: unknown, i: number) => {
      const p = `manifest.questions[${i}]`;
      if (!isObject(q)) return bad(p, 'expected an object');
      if (!nonEmpty(q.id)) bad(`${p}.id`, `expected a non-empty string, got ${show(q.id)}`);
      else if (ids.has(q.id)) bad(`${p}.id`, `duplicate id ${show(q.id)}`);
      else ids.add(q.id);
      if (typeof q.t !== 'number' || !Number.isFinite(q.t)) bad(`${p}.t`, `expected a number of seconds, got ${show(q.t)}`);
      else if (q.t < 0) bad(`${p}.t`, `${q.t} is negative`);
      else if (Number.isFinite(duration) && q.t > duration) bad(`${p}.t`, `${q.t} is beyond video.durationSeconds (${duration})`);
      if (typeof q.type !== 'string' || !TYPE_ID.test(q.type)) bad(`${p}.type`, `expected a type id like "color", got ${show(q.type)}`);
      if (!nonEmpty(q.question)) bad(`${p}.question`, 'expected non-empty question text');
      if (!nonEmpty(q.answer)) bad(`${p}.answer`, `expected a non-empty string, got ${show(q.answer)}`);
      if (q.choices !== undefined) {
        if (!Array.isArray(q.choices) || q.choices.length < 2 || !q.choices.every(nonEmpty))
          bad(`${p}.choices`, 'expected at least 2 non-empty strings');
        else if (new Set(q.choices).size !== q.choices.length) bad(`${p}.choices`, 'choices repeat');
        else if (nonEmpty(q.answer) && q.answer !== UNKNOWN_ANSWER && !q.choices.includes(q.answer))
          bad(`${p}.answer`, `${show(q.answer)} is not one of the choices`);
      }
      if (q.meta !== undefined && !isObject(q.meta)) bad(`${p}.meta`, 'expected an object');
    });
  }
  if (problems.length) throw new ManifestError(problems, source);
  return { manifest: json as unknown as Manifest, warnings };
}

/**
 * The benchmark manifest: the contract for every stream we evaluate, including streams made outside
 * this repo (docs/benchmark-format.md). Pure TypeScript (no Node imports) so the browser can check a
 * manifest the user drops in as well as the Node scripts.
 *
 * Validation reports every problem at once, each prefixed with its JSON path
 * (`manifest.questions[3].t: 250 is beyond video.durationSeconds (180)`), and never lets a bare
 * TypeError reach the user. Things that are legal but probably not what the author meant (unknown
 * fields, an empty question list, ...) are returned as warnings rather than refused.
 */

/** One question of a stream. `src/world/questions.ts` emits a narrower type that is assignable to this one. */
export interface ManifestQuestion {
  /** Unique within the manifest. */
  id: string;
  /** Second of stream time at which the question is asked, 0 <= t <= video.durationSeconds. */
  t: number;
  /** Type id matching TYPE_ID_PATTERN; our generator emits BUILTIN_QUESTION_TYPES, other generators may use their own. */
  type: string;
  /** The question text as a user would type it. */
  question: string;
  /** Multiple choice: at least 2 distinct non-empty strings. Absent: free-form. */
  choices?: string[];
  /** The expected answer; one of `choices` when they are given, or "unknown" (UNKNOWN_ANSWER) when the stream cannot answer it. */
  answer: string;
  /** Generator-specific structured form of the question; not interpreted by the validator or the scorer. */
  meta?: Record<string, unknown>;
}

export interface ManifestVideo {
  /** Relative to the manifest file. */
  path: string;
  fps: number;
  durationSeconds: number;
}

export interface ManifestFrames {
  /** Folder of pre-extracted PNG frames named tSSSS.png (t0005.png = second 5), relative to the manifest file. */
  dir: string;
  everySeconds: number;
}

export interface Manifest {
  id: string;
  video: ManifestVideo;
  clipSeconds: number;
  questions: ManifestQuestion[];
  /** Path to the world's event log (format "taskmem-world-events"), relative to the manifest file. */
  groundTruth?: string;
  frames?: ManifestFrames;
}

/** The answer that marks a question whose answer is not in the stream: the correct behaviour is to abstain. */
export const UNKNOWN_ANSWER = 'unknown';
/** Question type ids must match this; ids from other generators are accepted. */
export const TYPE_ID_PATTERN = /^[a-z][a-z0-9_-]*$/;
/** The type ids our world generator emits (QUESTION_TYPES in src/world/types.ts); kept here so eval does not depend on world. */
export const BUILTIN_QUESTION_TYPES = ['color', 'shape', 'label', 'position', 'count', 'order'] as const;
/** The `format` field a ground-truth event log must carry. */
export const GROUND_TRUTH_FORMAT = 'taskmem-world-events';

const TOP_KEYS = ['id', 'video', 'clipSeconds', 'questions', 'groundTruth', 'frames'];
const VIDEO_KEYS = ['path', 'fps', 'durationSeconds'];
const FRAMES_KEYS = ['dir', 'everySeconds'];
const QUESTION_KEYS = ['id', 't', 'type', 'question', 'choices', 'answer', 'meta'];

export class ManifestError extends Error {
  /** Every problem found, each `<json path>: <what is wrong>`. */
  readonly problems: string[];
  constructor(problems: string[], source = 'manifest') {
    super(`invalid benchmark manifest (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ManifestError';
    this.problems = problems;
  }
}

export interface ManifestCheck {
  /** A clean copy holding only the documented fields; present when `problems` is empty. */
  manifest?: Manifest;
  problems: string[];
  warnings: string[];
}

export interface ValidatedManifest {
  manifest: Manifest;
  warnings: string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** A value as it reads in the JSON file, shortened. */
function show(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  s ??= String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** `expected <what>, got <value>`, or `missing (expected <what>)` for an absent field. */
const want = (what: string, v: unknown) => (v === undefined ? `missing (expected ${what})` : `expected ${what}, got ${show(v)}`);
const kind = (v: unknown) =>
  v === undefined ? 'nothing' : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`;
const key = (path: string, k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);

/**
 * Checks a parsed manifest without throwing. `problems` and `warnings` are `<json path>: <message>`
 * strings; `manifest` (a clean copy with only the documented fields) is set when there are no problems.
 */
export function checkManifest(json: unknown): ManifestCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const bad = (path: string, msg: string) => problems.push(`${path}: ${msg}`);
  const warn = (path: string, msg: string) => warnings.push(`${path}: ${msg}`);
  const unknownKeys = (o: Obj, path: string, known: string[]) => {
    for (const k of Object.keys(o)) if (!known.includes(k)) warn(key(path, k), 'unknown field, ignored');
  };
  const positive = (o: Obj, k: string, path: string): number | undefined => {
    if (isPositive(o[k])) return o[k] as number;
    bad(key(path, k), want('a positive number', o[k]));
    return undefined;
  };
  const pathField = (o: Obj, k: string, p: string): string | undefined => {
    if (isNonEmpty(o[k])) return o[k] as string;
    bad(key(p, k), want('a non-empty path string', o[k]));
    return undefined;
  };

  if (!isObject(json)) {
    bad('manifest', `expected a JSON object, got ${kind(json)}`);
    return { problems, warnings };
  }
  unknownKeys(json, 'manifest', TOP_KEYS);

  if (!isNonEmpty(json.id)) bad('manifest.id', want('a non-empty string', json.id));

  let duration: number | undefined;
  if (!isObject(json.video)) bad('manifest.video', want('an object {path, fps, durationSeconds}', json.video));
  else {
    unknownKeys(json.video, 'manifest.video', VIDEO_KEYS);
    pathField(json.video, 'path', 'manifest.video');
    positive(json.video, 'fps', 'manifest.video');
    duration = positive(json.video, 'durationSeconds', 'manifest.video');
  }

  const clip = positive(json, 'clipSeconds', 'manifest');
  if (clip !== undefined && duration !== undefined && clip > duration)
    bad('manifest.clipSeconds', `${clip} is longer than video.durationSeconds (${duration})`);

  if (json.groundTruth !== undefined) pathField(json, 'groundTruth', 'manifest');
  if (json.frames !== undefined) {
    if (!isObject(json.frames)) bad('manifest.frames', want('an object {dir, everySeconds}', json.frames));
    else {
      unknownKeys(json.frames, 'manifest.frames', FRAMES_KEYS);
      pathField(json.frames, 'dir', 'manifest.frames');
      const every = positive(json.frames, 'everySeconds', 'manifest.frames');
      if (every !== undefined && !Number.isInteger(every))
        warn('manifest.frames.everySeconds', `${every} is not a whole number, but frame files are named by whole seconds (tSSSS.png)`);
      else if (every !== undefined && duration !== undefined && every > duration)
        warn('manifest.frames.everySeconds', `${every} is longer than video.durationSeconds (${duration}); only the frame at 0 exists`);
    }
  }

  if (!Array.isArray(json.questions)) bad('manifest.questions', want('an array', json.questions));
  else {
    if (json.questions.length === 0) warn('manifest.questions', 'empty: memory will be written but nothing can be scored');
    const firstIndex = new Map<string, number>();
    json.questions.forEach((q: unknown, i: number) => {
      const p = `manifest.questions[${i}]`;
      if (!isObject(q)) return bad(p, `expected a question object, got ${kind(q)}`);
      unknownKeys(q, p, QUESTION_KEYS);

      if (!isNonEmpty(q.id)) bad(`${p}.id`, want('a non-empty string', q.id));
      else if (firstIndex.has(q.id)) bad(`${p}.id`, `duplicate id ${show(q.id)} (also manifest.questions[${firstIndex.get(q.id)}].id)`);
      else firstIndex.set(q.id, i);

      if (typeof q.t !== 'number' || !Number.isFinite(q.t)) bad(`${p}.t`, want('a number of seconds', q.t));
      else if (q.t < 0) bad(`${p}.t`, `${q.t} is negative`);
      else if (duration !== undefined && q.t > duration) bad(`${p}.t`, `${q.t} is beyond video.durationSeconds (${duration})`);
      else if (clip !== undefined && q.t < clip)
        warn(`${p}.t`, `${q.t} is before the first clip ends (clipSeconds ${clip}): memory is still empty when it is asked`);

      if (typeof q.type !== 'string') bad(`${p}.type`, want('a type id string such as "color"', q.type));
      else if (!TYPE_ID_PATTERN.test(q.type)) bad(`${p}.type`, `${show(q.type)} is not a type id (lower case, matching ${TYPE_ID_PATTERN.source})`);

      if (!isNonEmpty(q.question)) bad(`${p}.question`, want('non-empty question text', q.question));

      const answerOk = isNonEmpty(q.answer);
      if (!answerOk) bad(`${p}.answer`, want('a non-empty string', q.answer));
      else if (q.answer !== UNKNOWN_ANSWER && (q.answer as string).trim().toLowerCase() === UNKNOWN_ANSWER)
        warn(`${p}.answer`, `${show(q.answer)} is scored as ordinary answer text; write exactly "${UNKNOWN_ANSWER}" to mark an unanswerable question`);

      if (q.choices !== undefined) {
        const c = q.choices;
        if (!Array.isArray(c)) bad(`${p}.choices`, want('an array of strings', c));
        else {
          let ok = true;
          if (c.length < 2) {
            ok = false;
            bad(`${p}.choices`, `expected at least 2 choices, got ${c.length}`);
          }
          const seen = new Map<string, number>();
          c.forEach((x: unknown, j: number) => {
            if (!isNonEmpty(x)) {
              ok = false;
              return bad(`${p}.choices[${j}]`, want('a non-empty string', x));
            }
            if (seen.has(x)) {
              ok = false;
              return bad(`${p}.choices[${j}]`, `${show(x)} repeats choices[${seen.get(x)}]`);
            }
            seen.set(x, j);
          });
          if (ok && answerOk && q.answer !== UNKNOWN_ANSWER && !seen.has(q.answer as string))
            bad(`${p}.answer`, `${show(q.answer)} is not one of the choices ${show(c)} (nor "${UNKNOWN_ANSWER}")`);
        }
      }

      if (q.meta !== undefined && !isObject(q.meta)) bad(`${p}.meta`, `expected an object, got ${kind(q.meta)}`);
    });
  }

  if (problems.length) return { problems, warnings };

  // Everything below is known to be well-typed; copy only the documented fields.
  const v = json.video as Obj;
  const manifest: Manifest = {
    id: json.id as string,
    video: { path: v.path as string, fps: v.fps as number, durationSeconds: v.durationSeconds as number },
    clipSeconds: json.clipSeconds as number,
    questions: (json.questions as Obj[]).map((q) => {
      const out: ManifestQuestion = { id: q.id as string, t: q.t as number, type: q.type as string, question: q.question as string, answer: q.answer as string };
      if (q.choices !== undefined) out.choices = [...(q.choices as string[])];
      if (q.meta !== undefined) out.meta = q.meta as Obj;
      return out;
    }),
  };
  if (json.groundTruth !== undefined) manifest.groundTruth = json.groundTruth as string;
  if (json.frames !== undefined) {
    const f = json.frames as Obj;
    manifest.frames = { dir: f.dir as string, everySeconds: f.everySeconds as number };
  }
  return { manifest, problems, warnings };
}

/**
 * Validates a parsed manifest. Returns a clean copy (documented fields only) and the warnings;
 * throws a ManifestError listing every problem when there is any. `source` names the file in the
 * error's first line.
 */
export function validateManifest(json: unknown, source = 'manifest'): ValidatedManifest {
  const { manifest, problems, warnings } = checkManifest(json);
  if (problems.length || !manifest) throw new ManifestError(problems, source);
  return { manifest, warnings };
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkManifest, ManifestError, validateManifest, type ManifestQuestion } from '../../src/eval/manifest';
import type { ManifestQuestion as WorldQuestion } from '../../src/world/questions';
import { loadManifest } from '../../scripts/lib/load-manifest';

// Compile-time contract (checked by `tsc -p .`): what the world generator emits is a valid eval question.
const worldQuestionIsEvalQuestion = (q: WorldQuestion): ManifestQuestion => q;
void worldQuestionIsEvalQuestion;

type Json = Record<string, any>;

const good = (): Json => ({
  id: 'demo',
  video: { path: 'stream.y4m', fps: 5, durationSeconds: 60 },
  clipSeconds: 10,
  questions: [
    { id: 'q1', t: 30, type: 'color', question: 'What color is KIWI?', choices: ['red', 'blue'], answer: 'red', meta: { kind: 'colorOf', label: 'KIWI' } },
    { id: 'q2', t: 60, type: 'order', question: 'When did KIWI leave?', answer: 'unknown' },
    { id: 'q3', t: 20, type: 'shape', question: 'What shape is BOLT?', choices: ['circle', 'square'], answer: 'unknown' },
  ],
});

/** The problems a manifest is refused with; [] when it is accepted. */
function problems(json: unknown): string[] {
  try {
    validateManifest(json);
  } catch (e) {
    if (e instanceof ManifestError) return e.problems;
    throw e;
  }
  return [];
}

/** Applies `edit` to a fresh good manifest and returns the problems. */
const problemsAfter = (edit: (m: Json) => void) => {
  const m = good();
  edit(m);
  return problems(m);
};

describe('manifest validation', () => {
  it('accepts a valid manifest, without warnings, as a clean copy', () => {
    const m = good();
    const { manifest, warnings } = validateManifest(m);
    expect(warnings).toEqual([]);
    expect(manifest).toEqual(m);
    expect(manifest).not.toBe(m);
    expect(manifest.questions[0].meta).toEqual({ kind: 'colorOf', label: 'KIWI' });
  });

  it('accepts optional groundTruth and frames, and question types made elsewhere', () => {
    const m: Json = { ...good(), groundTruth: 'events.json', frames: { dir: 'frames', everySeconds: 5 } };
    m.questions[1].type = 'weather_2';
    m.questions[2].type = 'who-spoke';
    const { manifest, warnings } = validateManifest(m);
    expect(warnings).toEqual([]);
    expect(manifest.groundTruth).toBe('events.json');
    expect(manifest.frames).toEqual({ dir: 'frames', everySeconds: 5 });
    expect(manifest.questions.map((q) => q.type)).toEqual(['color', 'weather_2', 'who-spoke']);
  });

  it('tolerates unknown fields with a warning naming their path, and drops them from the result', () => {
    const m: Json = { ...good(), extra: 1, 'odd key': true };
    m.video.codec = 'y4m';
    m.questions[0].difficulty = 3;
    const { manifest, warnings } = validateManifest(m);
    expect(warnings).toEqual([
      'manifest.extra: unknown field, ignored',
      'manifest["odd key"]: unknown field, ignored',
      'manifest.video.codec: unknown field, ignored',
      'manifest.questions[0].difficulty: unknown field, ignored',
    ]);
    expect(manifest).not.toHaveProperty('extra');
    expect(manifest.video).not.toHaveProperty('codec');
    expect(manifest.questions[0]).not.toHaveProperty('difficulty');
  });

  it('allows an empty question list with a warning', () => {
    const { manifest, warnings } = validateManifest({ ...good(), questions: [] });
    expect(manifest.questions).toEqual([]);
    expect(warnings).toEqual(['manifest.questions: empty: memory will be written but nothing can be scored']);
  });

  it('warns about a mis-cased "unknown" and a question asked before the first clip ends', () => {
    const m = good();
    m.questions[1].answer = 'Unknown';
    m.questions[0].t = 4;
    expect(validateManifest(m).warnings).toEqual([
      'manifest.questions[0].t: 4 is before the first clip ends (clipSeconds 10): memory is still empty when it is asked',
      'manifest.questions[1].answer: "Unknown" is scored as ordinary answer text; write exactly "unknown" to mark an unanswerable question',
    ]);
  });

  it('refuses a missing id', () => {
    expect(problemsAfter((m) => delete m.id)).toEqual(['manifest.id: missing (expected a non-empty string)']);
    expect(problemsAfter((m) => (m.id = '  '))).toEqual(['manifest.id: expected a non-empty string, got "  "']);
  });

  it('refuses a bad fps, duration or clip length', () => {
    expect(problemsAfter((m) => (m.video.fps = -5))).toEqual(['manifest.video.fps: expected a positive number, got -5']);
    expect(problemsAfter((m) => (m.video.fps = 0))).toEqual(['manifest.video.fps: expected a positive number, got 0']);
    expect(problemsAfter((m) => (m.video.fps = '5'))).toEqual(['manifest.video.fps: expected a positive number, got "5"']);
    expect(problemsAfter((m) => (m.video.fps = Infinity))).toEqual(['manifest.video.fps: expected a positive number, got Infinity']);
    expect(problemsAfter((m) => delete m.video.fps)).toEqual(['manifest.video.fps: missing (expected a positive number)']);
    expect(problemsAfter((m) => (m.clipSeconds = 100))).toEqual(['manifest.clipSeconds: 100 is longer than video.durationSeconds (60)']);
    expect(problemsAfter((m) => (m.clipSeconds = null))).toEqual(['manifest.clipSeconds: expected a positive number, got null']);
    expect(problemsAfter((m) => (m.video = 'stream.y4m'))).toEqual([
      'manifest.video: expected an object {path, fps, durationSeconds}, got "stream.y4m"',
    ]);
  });

  it('refuses a negative t and a t beyond the video', () => {
    expect(problemsAfter((m) => (m.questions[2].t = -1))).toEqual(['manifest.questions[2].t: -1 is negative']);
    expect(problemsAfter((m) => (m.questions[1].t = 250))).toEqual(['manifest.questions[1].t: 250 is beyond video.durationSeconds (60)']);
    expect(problemsAfter((m) => (m.questions[1].t = '30'))).toEqual(['manifest.questions[1].t: expected a number of seconds, got "30"']);
    // t exactly at the end is allowed
    expect(problemsAfter((m) => (m.questions[1].t = 60))).toEqual([]);
  });

  it('refuses duplicate question ids, naming the first use', () => {
    expect(problemsAfter((m) => (m.questions[2].id = 'q1'))).toEqual(['manifest.questions[2].id: duplicate id "q1" (also manifest.questions[0].id)']);
  });

  it('refuses an answer that is not among the choices, but allows "unknown"', () => {
    expect(problemsAfter((m) => (m.questions[0].answer = 'green'))).toEqual([
      'manifest.questions[0].answer: "green" is not one of the choices ["red","blue"] (nor "unknown")',
    ]);
    expect(problemsAfter((m) => (m.questions[0].answer = 'unknown'))).toEqual([]);
  });

  it('refuses bad choices and answers', () => {
    expect(problemsAfter((m) => (m.questions[0].choices = ['red']))).toEqual(['manifest.questions[0].choices: expected at least 2 choices, got 1']);
    expect(problemsAfter((m) => (m.questions[0].choices = ['red', 'blue', 'red']))).toEqual([
      'manifest.questions[0].choices[2]: "red" repeats choices[0]',
    ]);
    expect(problemsAfter((m) => (m.questions[0].choices = ['red', '', 7]))).toEqual([
      'manifest.questions[0].choices[1]: expected a non-empty string, got ""',
      'manifest.questions[0].choices[2]: expected a non-empty string, got 7',
    ]);
    expect(problemsAfter((m) => (m.questions[0].choices = 'red,blue'))).toEqual([
      'manifest.questions[0].choices: expected an array of strings, got "red,blue"',
    ]);
    expect(problemsAfter((m) => (m.questions[1].answer = 3))).toEqual(['manifest.questions[1].answer: expected a non-empty string, got 3']);
  });

  it('refuses bad type ids, question text, meta, frames and groundTruth', () => {
    expect(problemsAfter((m) => (m.questions[0].type = 'Color Q'))).toEqual([
      'manifest.questions[0].type: "Color Q" is not a type id (lower case, matching ^[a-z][a-z0-9_-]*$)',
    ]);
    expect(problemsAfter((m) => delete m.questions[0].type)).toEqual([
      'manifest.questions[0].type: missing (expected a type id string such as "color")',
    ]);
    expect(problemsAfter((m) => (m.questions[0].question = ''))).toEqual(['manifest.questions[0].question: expected non-empty question text, got ""']);
    expect(problemsAfter((m) => (m.questions[0].meta = ['colorOf']))).toEqual(['manifest.questions[0].meta: expected an object, got an array']);
    expect(problemsAfter((m) => (m.frames = { dir: '', everySeconds: 0 }))).toEqual([
      'manifest.frames.dir: expected a non-empty path string, got ""',
      'manifest.frames.everySeconds: expected a positive number, got 0',
    ]);
    expect(problemsAfter((m) => (m.groundTruth = 42))).toEqual(['manifest.groundTruth: expected a non-empty path string, got 42']);
    expect(problemsAfter((m) => (m.questions[1] = 'q2'))).toEqual(['manifest.questions[1]: expected a question object, got string "q2"']);
  });

  it('refuses things that are not manifests', () => {
    expect(problems([])).toEqual(['manifest: expected a JSON object, got an array']);
    expect(problems(null)).toEqual(['manifest: expected a JSON object, got null']);
    expect(problems('x')).toEqual(['manifest: expected a JSON object, got string "x"']);
    expect(problems({})).toEqual([
      'manifest.id: missing (expected a non-empty string)',
      'manifest.video: missing (expected an object {path, fps, durationSeconds})',
      'manifest.clipSeconds: missing (expected a positive number)',
      'manifest.questions: missing (expected an array)',
    ]);
  });

  it('lists every problem at once, in a message naming the source', () => {
    const m = good();
    delete m.id;
    m.video.fps = -5;
    m.questions[0].t = -1;
    m.questions[1].t = 250;
    m.questions[2].id = 'q1';
    m.questions[2].answer = 'triangle';
    let error: unknown;
    try {
      validateManifest(m, '/data/s1/manifest.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const err = error as ManifestError;
    expect(err.problems).toEqual([
      'manifest.id: missing (expected a non-empty string)',
      'manifest.video.fps: expected a positive number, got -5',
      'manifest.questions[0].t: -1 is negative',
      'manifest.questions[1].t: 250 is beyond video.durationSeconds (60)',
      'manifest.questions[2].id: duplicate id "q1" (also manifest.questions[0].id)',
      'manifest.questions[2].answer: "triangle" is not one of the choices ["circle","square"] (nor "unknown")',
    ]);
    expect(err.message.split('\n')).toEqual(['invalid benchmark manifest (/data/s1/manifest.json):', ...err.problems.map((p) => `  - ${p}`)]);
  });

  it('checkManifest reports without throwing', () => {
    const r = checkManifest({ ...good(), clipSeconds: -1 });
    expect(r.manifest).toBeUndefined();
    expect(r.problems).toEqual(['manifest.clipSeconds: expected a positive number, got -1']);
    expect(checkManifest(good()).manifest?.id).toBe('demo');
  });
});

describe('manifest loading from disk', () => {
  const root = mkdtempSync(join(tmpdir(), 'taskmem-manifest-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** A fresh folder with the given files; returns the manifest path. */
  const stream = (manifest: unknown, files: Record<string, string> = {}, raw = false) => {
    const dir = join(root, String(n++));
    mkdirSync(dir, { recursive: true });
    for (const [name, body] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), body);
    }
    const p = join(dir, 'manifest.json');
    writeFileSync(p, raw ? (manifest as string) : JSON.stringify(manifest, null, 2));
    return p;
  };
  const Y4M = 'YUV4MPEG2 W2 H2 F5:1 C420jpeg\n';
  const EVENTS = JSON.stringify({ format: 'taskmem-world-events', version: 1, seed: 1, events: [] });
  const loadError = (p: string): ManifestError => {
    try {
      loadManifest(p);
    } catch (e) {
      if (e instanceof ManifestError) return e;
      throw e;
    }
    throw new Error(`${p} loaded without error`);
  };

  it('resolves every path relative to the manifest', () => {
    const p = stream({ ...good(), groundTruth: 'gt/events.json', frames: { dir: 'frames', everySeconds: 30 } }, {
      'stream.y4m': Y4M,
      'gt/events.json': EVENTS,
      'frames/t0000.png': '',
      'frames/t0030.png': '',
      'frames/t0060.png': '',
    });
    const dir = join(p, '..');
    const m = loadManifest(p);
    expect(m.path).toBe(p);
    expect(m.video.absolutePath).toBe(join(dir, 'stream.y4m'));
    expect(m.video.path).toBe('stream.y4m');
    expect(m.groundTruthPath).toBe(join(dir, 'gt', 'events.json'));
    expect(m.framesDir).toBe(join(dir, 'frames'));
    expect(m.warnings).toEqual([]);
    expect(m.questions).toHaveLength(3);
  });

  it('gives a clear error for a file that is not JSON, naming the file', () => {
    const p = stream('{\n  "id": "demo",\n  "video": }', {}, true);
    const err = loadError(p);
    expect(err.message).toContain(`invalid benchmark manifest (${p})`);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^not valid JSON: /);
    expect(err.problems[0]).not.toContain('\n');
    const q = stream('{\n  "id": "demo",\n}', {}, true);
    const trailing = loadError(q).problems[0];
    expect(trailing).toMatch(/^not valid JSON: /);
    if (/position \d+/.test(trailing)) expect(trailing).toMatch(/\(line 3, column 1\)$/);
  });

  it('gives a clear error for a missing manifest file', () => {
    const p = join(root, 'nowhere', 'manifest.json');
    expect(loadError(p).problems).toEqual([`manifest file not found: ${p}`]);
  });

  it('gives a clear error for a missing video file, naming the field', () => {
    const p = stream(good());
    expect(loadError(p).problems).toEqual([`video file not found: ${join(p, '..', 'stream.y4m')} (manifest.video.path = "stream.y4m")`]);
  });

  it('accepts a missing video with a warning when pre-extracted frames are given', () => {
    const p = stream({ ...good(), frames: { dir: 'frames', everySeconds: 30 } }, { 'frames/t0000.png': '', 'frames/t0030.png': '' });
    const m = loadManifest(p);
    expect(m.warnings).toHaveLength(2);
    expect(m.warnings[0]).toMatch(/^manifest\.video\.path: video file not found: .*stream\.y4m; only the pre-extracted frames can be used/);
    expect(m.warnings[1]).toBe(`manifest.frames.dir: 1 of 3 frames missing in ${join(p, '..', 'frames')} (first: t0060.png); the video is decoded at those times`);
  });

  it('gives clear errors for a missing or wrong ground-truth file and a missing frames folder', () => {
    const p = stream({ ...good(), groundTruth: 'events.json', frames: { dir: 'frames', everySeconds: 5 } }, { 'stream.y4m': Y4M });
    const dir = join(p, '..');
    expect(loadError(p).problems).toEqual([
      `ground-truth file not found: ${join(dir, 'events.json')} (manifest.groundTruth = "events.json")`,
      `frames folder not found: ${join(dir, 'frames')} (manifest.frames.dir = "frames")`,
    ]);
    const q = stream({ ...good(), groundTruth: 'events.json' }, { 'stream.y4m': Y4M, 'events.json': '{"events": []}' });
    expect(loadError(q).problems).toEqual([
      `ground-truth file is not a "taskmem-world-events" event log (its format field is missing): ${join(q, '..', 'events.json')} (manifest.groundTruth = "events.json")`,
    ]);
  });

  it('lists validation and file problems together', () => {
    const p = stream({ ...good(), clipSeconds: 0 });
    expect(loadError(p).problems).toEqual([
      'manifest.clipSeconds: expected a positive number, got 0',
      `video file not found: ${join(p, '..', 'stream.y4m')} (manifest.video.path = "stream.y4m")`,
    ]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifest, ManifestError } from '../../src/eval/manifest';
import { loadManifest } from '../../scripts/lib/load-manifest';

const good = () => ({
  id: 'demo',
  video: { path: 'stream.y4m', fps: 5, durationSeconds: 60 },
  clipSeconds: 10,
  questions: [
    { id: 'q1', t: 30, type: 'color', question: 'What color is KIWI?', choices: ['red', 'blue'], answer: 'red' },
    { id: 'q2', t: 60, type: 'order', question: 'When did KIWI leave?', answer: 'unknown' },
  ],
});

function problems(json: unknown): string[] {
  try {
    validateManifest(json);
  } catch (e) {
    if (e instanceof ManifestError) return e.problems;
    throw e;
  }
  return [];
}

describe('manifest validation', () => {
  it('accepts a valid manifest and warns about unknown fields and empty question lists', () => {
    expect(validateManifest(good()).warnings).toEqual([]);
    expect(validateManifest({ ...good(), extra: 1 }).warnings).toEqual(['manifest.extra: unknown field, ignored']);
    expect(validateManifest({ ...good(), questions: [] }).warnings[0]).toMatch(/empty/);
  });

  it('names the path of each problem, all at once', () => {
    const m = good() as Record<string, unknown>;
    delete m.id;
    (m.video as Record<string, unknown>).fps = -5;
    const qs = m.questions as Record<string, unknown>[];
    qs[0].t = -1;
    qs[1].t = 250;
    qs[1].id = 'q1';
    const p = problems(m);
    expect(p).toContain('manifest.id: expected a non-empty string, got undefined');
    expect(p).toContain('manifest.video.fps: expected a positive number, got -5');
    expect(p).toContain('manifest.questions[0].t: -1 is negative');
    expect(p).toContain('manifest.questions[1].t: 250 is beyond video.durationSeconds (60)');
    expect(p).toContain('manifest.questions[1].id: duplicate id "q1"');
  });

  it('refuses answers outside the choices, bad type ids and non-objects', () => {
    const m = good();
    m.questions[0].answer = 'green';
    (m.questions[1] as Record<string, unknown>).type = 'Color Q';
    expect(problems(m)).toEqual([
      'manifest.questions[0].answer: "green" is not one of the choices',
      'manifest.questions[1].type: expected a type id like "color", got "Color Q"',
    ]);
    expect(problems([])).toEqual(['manifest: expected a JSON object, got an array']);
    expect(problems({ ...good(), clipSeconds: 100 })).toEqual(['manifest.clipSeconds: 100 is longer than the video (60 s)']);
  });
});

describe('manifest loading from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'taskmem-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a clear error for a file that is not JSON', () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"id": ');
    expect(() => loadManifest(p)).toThrow(/not valid JSON/);
  });

  it('gives a clear error for a missing video file, naming the field', () => {
    const p = join(dir, 'm.json');
    writeFileSync(p, JSON.stringify(good()));
    expect(() => loadManifest(p)).toThrow(/video file not found: .*stream\.y4m \(manifest\.video\.path = "stream\.y4m"\)/);
  });

  it('resolves paths relative to the manifest', () => {
    const p = join(dir, 'ok.json');
    writeFileSync(join(dir, 'stream.y4m'), 'YUV4MPEG2 W2 H2 F5:1 C420jpeg\n');
    writeFileSync(p, JSON.stringify(good()));
    expect(loadManifest(p).video.absolutePath).toBe(join(dir, 'stream.y4m'));
  });
});

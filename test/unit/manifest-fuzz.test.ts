import { describe, expect, it } from 'vitest';
import { checkManifest, ManifestError, validateManifest } from '../../src/eval/manifest';
import { mutateJson } from '../fuzz/import-corpus';

const valid = JSON.stringify({
  id: 'demo',
  video: { path: 'stream.y4m', fps: 5, durationSeconds: 60 },
  clipSeconds: 10,
  groundTruth: 'events.json',
  frames: { dir: 'frames', everySeconds: 1 },
  questions: [
    { id: 'q1', t: 30, type: 'color', question: 'What color is KIWI?', choices: ['red', 'blue'], answer: 'red', meta: { kind: 'colorOf', label: 'KIWI' } },
    { id: 'q2', t: 60, type: 'order', question: 'When did KIWI leave?', answer: 'unknown' },
  ],
});

describe('manifest validation against a fuzzed corpus', () => {
  it('never throws anything but a ManifestError, and every problem names its JSON path', () => {
    const corpus = mutateJson(valid, 11, { flips: 60, cuts: 20, deletions: 60, swaps: 80 });
    let refused = 0;
    let notJson = 0;
    for (const c of corpus) {
      let json: unknown;
      try {
        json = JSON.parse(c.text);
      } catch {
        notJson++; // the loaders say "not JSON" before validation
        continue;
      }
      const check = checkManifest(json);
      for (const p of [...check.problems, ...check.warnings]) expect(p, c.name).toMatch(/^manifest(\.|\[|:)/);
      try {
        validateManifest(json, c.name);
        expect(check.problems, c.name).toEqual([]);
      } catch (e) {
        expect(e, c.name).toBeInstanceOf(ManifestError);
        expect((e as ManifestError).problems.length).toBeGreaterThan(0);
        refused++;
      }
    }
    console.log(`manifest fuzz: ${corpus.length} inputs, ${notJson} not JSON, ${refused} refused, ${corpus.length - notJson - refused} accepted`);
    expect(corpus).toHaveLength(220);
    expect(refused).toBeGreaterThan(50);
  });
});

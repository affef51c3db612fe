import { describe, expect, it } from 'vitest';
import { describeClip, describeClipVariants, referenceMemories, seededRandom } from '../../src/world/describe';
import { clipTruth, scoreMemory } from '../../src/world/facts';
import { countWords, parseMemory } from '../../src/world/language';
import { handLog, makeLog, randomLog } from './world-logs';

describe('describeClip', () => {
  it('states only true facts, in the format, over many streams, clips and draws', () => {
    let descriptions = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const log = randomLog(seed, 120, { maxGap: seed % 3 === 0 ? 2 : 6, reappear: seed % 2 === 0 });
      const rng = seededRandom(seed * 31);
      for (let t0 = 0; t0 < 120; t0 += 10) {
        for (let v = 0; v < 4; v++) {
          const text = describeClip(log, t0, t0 + 10, rng);
          const parsed = parseMemory(text);
          expect(parsed.errors, text).toEqual([]);
          expect(countWords(text)).toBeLessThanOrEqual(24);
          const s = scoreMemory(text, log, t0, t0 + 10);
          expect(s.trueStated, `${text} @ seed ${seed} ${t0}`).toBe(s.stated);
          // Each event clause resolves to the object that had the event, so it covers a truth event fact.
          const eventClauses = parsed.clauses.filter((c) => c.kind === 'event' && c.verb !== 'stays').length;
          expect(s.details.truth.filter((f) => f.kind === 'event' && f.covered).length, text).toBeGreaterThanOrEqual(eventClauses);
          descriptions++;
        }
      }
    }
    expect(descriptions).toBe(25 * 12 * 4);
  });

  it('mentions every event of the clip in time order when the budget allows', () => {
    const log = handLog();
    for (let seed = 0; seed < 30; seed++) {
      const text = describeClip(log, 10, 20, seededRandom(seed));
      const verbs = parseMemory(text).clauses.flatMap((c) => (c.kind === 'event' && c.verb !== 'stays' ? [c.verb] : []));
      expect(verbs, text).toEqual(['moves', 'turns']);
    }
  });

  it('varies what it includes from draw to draw', () => {
    const variants = describeClipVariants(handLog(), 0, 10, 7, 8);
    expect(variants).toHaveLength(8);
    expect(new Set(variants).size).toBe(8);
    expect(describeClipVariants(handLog(), 0, 10, 7, 8)).toEqual(variants);
    // A clip with a single possible description still yields k entries.
    expect(describeClipVariants(makeLog([], []), 0, 10, 7, 3)).toEqual(['The scene is empty.', 'The scene is empty.', 'The scene is empty.']);
  });

  it('favours the emphasised attribute', () => {
    const log = randomLog(3);
    for (const emphasis of ['color', 'size'] as const) {
      let clauses = 0, stated = 0;
      for (let seed = 0; seed < 40; seed++) {
        for (let t0 = 0; t0 < 120; t0 += 10) {
          for (const c of parseMemory(describeClip(log, t0, t0 + 10, seededRandom(seed), { emphasis })).clauses) {
            if (c.kind !== 'event') continue;
            clauses++;
            if (c.subject[emphasis]) stated++;
          }
        }
      }
      expect(stated / clauses, emphasis).toBeGreaterThan(0.8);
    }
  });

  it('writes the fullest description when every attribute is certain', () => {
    const text = describeClip(handLog(), 0, 10, seededRandom(1), { probabilities: { size: 1, color: 1, shape: 1, label: 1, position: 1 }, staysProbability: 0 });
    expect(text).toMatch(/^(KIWI, a large red circle,|A large red circle labeled KIWI) appears at top left[;.] (BOLT, a small blue square,|a small blue square labeled BOLT|A small blue square labeled BOLT) appears at bottom right\.$/);
  });

  it('writes "Nothing changes" or "The scene is empty" for clips without events', () => {
    const log = handLog();
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const text = describeClip(log, 50, 60, seededRandom(seed));
      expect(text).toMatch(/^Nothing changes[.;]/);
      expect(scoreMemory(text, log, 50, 60)).toMatchObject({ stated: expect.any(Number) });
      const s = scoreMemory(text, log, 50, 60);
      expect(s.trueStated).toBe(s.stated);
      expect(parseMemory(text).clauses.length).toBeLessThanOrEqual(3);
      seen.add(text);
    }
    expect(seen.size).toBeGreaterThan(3);
    expect(describeClip(makeLog([], []), 0, 10, seededRandom(1))).toBe('The scene is empty.');
  });

  it('adds the label when a description would fit two objects', () => {
    const log = makeLog(
      [
        { label: 'A', shape: 'circle', size: 'small', color: 'red' },
        { label: 'B', shape: 'circle', size: 'small', color: 'red' },
      ],
      [
        { t: 0, type: 'appear', label: 'A', position: 'top' },
        { t: 4, type: 'appear', label: 'B', position: 'bottom' },
      ],
    );
    for (let seed = 0; seed < 50; seed++) {
      const text = describeClip(log, 0, 10, seededRandom(seed), { probabilities: { label: 0, size: 1, color: 1, shape: 1 } });
      expect(text).toMatch(/\bB\b/);
    }
  });

  it('keeps a busy clip within 24 words and 2 sentences', () => {
    const objects = ['AA', 'BB', 'CC', 'DD', 'EE', 'FF', 'GG', 'HH', 'II'].map((label) => ({ label, shape: 'diamond' as const, size: 'large' as const, color: 'purple' as const }));
    const positions = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'] as const;
    const log = makeLog(objects, objects.map((o, i) => ({ t: 1 + i, type: 'appear' as const, label: o.label, position: positions[i]! })));
    for (let seed = 0; seed < 30; seed++) {
      const text = describeClip(log, 0, 10, seededRandom(seed), { probabilities: { size: 1, color: 1, shape: 1, label: 1, position: 1 } });
      const parsed = parseMemory(text);
      expect(parsed.errors, text).toEqual([]);
      expect(countWords(text)).toBeLessThanOrEqual(24);
      const s = scoreMemory(text, log, 0, 10);
      expect(s.trueStated).toBe(s.stated);
      // The earliest events survive; later ones go only when even bare clauses do not fit.
      expect(parsed.clauses[0]).toMatchObject({ subject: { label: 'AA' } });
      expect(parsed.clauses.length).toBeGreaterThanOrEqual(5);
    }
    expect(clipTruth(log, 0, 10).events).toHaveLength(9);
  });
});

describe('referenceMemories', () => {
  it('covers every whole clip with a true description, the same one each call', () => {
    const log = randomLog(7, 95, {});
    const memories = referenceMemories(log, 95, 7);
    expect(memories.map((m) => [m.clipIndex, m.t0, m.t1])).toEqual(Array.from({ length: 9 }, (_, c) => [c, c * 10, c * 10 + 10]));
    for (const m of memories) {
      const s = scoreMemory(m.text, log, m.t0, m.t1);
      expect(s.trueStated, m.text).toBe(s.stated);
      // The first variant of the clip's own seed: fixture-quality and the answering test ask the same memories.
      expect(m.text).toBe(describeClipVariants(log, m.t0, m.t1, 7 * 1000 + m.clipIndex, 3)[0]);
    }
    expect(referenceMemories(log, 95, 7)).toEqual(memories);
  });
});

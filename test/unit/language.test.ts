import { describe, expect, it } from 'vitest';
import { countWords, formatMemory, parseMemory, type Clause } from '../../src/world/language';

describe('parseMemory', () => {
  it('parses the documented examples', () => {
    const m = parseMemory('A large red circle labeled KIWI appears at top left; BOLT moves to center.');
    expect(m.errors).toEqual([]);
    expect(m.clauses).toEqual([
      { kind: 'event', subject: { label: 'KIWI', size: 'large', color: 'red', shape: 'circle', form: 'labeled' }, verb: 'appears', position: 'top left' },
      { kind: 'event', subject: { label: 'BOLT' }, verb: 'moves', position: 'center' },
    ]);
    expect(parseMemory('Nothing changes; KIWI stays at top left.').clauses).toEqual([
      { kind: 'nothing' },
      { kind: 'event', subject: { label: 'KIWI' }, verb: 'stays', position: 'top left' },
    ]);
    expect(parseMemory('The scene is empty.')).toMatchObject({ clauses: [{ kind: 'empty' }], errors: [] });
  });

  it('parses every subject form and predicate', () => {
    const m = parseMemory('KIWI, a small green ring, leaves from bottom right; an orange diamond turns blue. A cross moves from top to bottom left; B2 stays.');
    expect(m.errors).toEqual([]);
    expect(m.sentences).toHaveLength(2);
    expect(m.clauses).toEqual([
      { kind: 'event', subject: { label: 'KIWI', size: 'small', color: 'green', shape: 'ring', form: 'appositive' }, verb: 'leaves', position: 'bottom right' },
      { kind: 'event', subject: { color: 'orange', shape: 'diamond' }, verb: 'turns', color: 'blue' },
      { kind: 'event', subject: { shape: 'cross' }, verb: 'moves', from: 'top', position: 'bottom left' },
      { kind: 'event', subject: { label: 'B2' }, verb: 'stays' },
    ]);
  });

  it('forgives extra spaces and the case of a clause start', () => {
    const m = parseMemory('  a red circle   appears at top ;  nothing changes .  ');
    expect(m.clauses.map((c) => c.kind)).toEqual(['event', 'nothing']);
    expect(m.errors).toEqual(['"nothing changes" next to an event']);
    expect(parseMemory('the scene is empty.').errors).toEqual([]);
    // A one-letter label at sentence start still reads as a label when that is what fits.
    expect(parseMemory('A appears.').clauses[0]).toMatchObject({ subject: { label: 'A' }, verb: 'appears' });
  });

  it('reports an empty memory', () => {
    expect(parseMemory('')).toEqual({ clauses: [], sentences: [], errors: ['empty memory'] });
    expect(parseMemory('   \n ').errors).toEqual(['empty memory']);
  });

  it('reports repeated clauses', () => {
    const m = parseMemory('KIWI appears. KIWI appears.');
    expect(m.clauses).toHaveLength(2);
    expect(m.errors).toEqual(['repeated clause: "KIWI appears"']);
  });

  it('marks malformed clauses invalid and keeps the rest', () => {
    const m = parseMemory('KIWI dances at top; BOLT leaves.');
    expect(m.clauses).toEqual([{ kind: 'invalid', text: 'KIWI dances at top' }, { kind: 'event', subject: { label: 'BOLT' }, verb: 'leaves' }]);
    expect(m.errors).toEqual(['invalid clause: "KIWI dances at top"']);
    for (const bad of ['kiwi appears.', 'KIWI appears at middle.', 'A red appears.', 'KIWI moves from top.', 'KIWI turns.', 'TOOLONG appears.', 'KIWI, a red circle appears.', 'A red circle labeled kiwi appears.']) {
      expect(parseMemory(bad).clauses[0]?.kind, bad).toBe('invalid');
    }
  });

  it('reports length and punctuation problems', () => {
    expect(parseMemory('KIWI appears').errors).toEqual(['missing final period']);
    expect(parseMemory('KIWI appears').clauses).toHaveLength(1);
    expect(parseMemory('KIWI appears. BOLT appears. FIG appears.').errors).toEqual(['more than 2 sentences']);
    const long = Array.from({ length: 7 }, (_, i) => `K${i} appears at top left`).join('; ') + '.';
    expect(parseMemory(long).errors[0]).toMatch(/more than 24 words/);
    expect(parseMemory('KIWI appears.. BOLT leaves.').errors).toContain('empty sentence');
  });
});

describe('formatMemory', () => {
  const clauses: Clause[] = [
    { kind: 'event', subject: { label: 'KIWI', size: 'large', color: 'orange', shape: 'circle' }, verb: 'appears', position: 'top left' },
    { kind: 'event', subject: { color: 'red', shape: 'square' }, verb: 'moves', from: 'left', position: 'center' },
    { kind: 'event', subject: { label: 'BOLT', shape: 'ring', form: 'labeled' }, verb: 'turns', color: 'white' },
  ];

  it('prints canonical sentences', () => {
    expect(formatMemory(clauses)).toBe('KIWI, a large orange circle, appears at top left; a red square moves from left to center; a ring labeled BOLT turns white.');
    expect(formatMemory([[clauses[1]!], [clauses[0]!]])).toBe('A red square moves from left to center. KIWI, a large orange circle, appears at top left.');
    expect(formatMemory([[{ kind: 'nothing' }], [{ kind: 'event', subject: { label: 'FIG' }, verb: 'stays' }]])).toBe('Nothing changes. FIG stays.');
    expect(formatMemory([{ kind: 'empty' }])).toBe('The scene is empty.');
  });

  it('never prints more than two sentences', () => {
    const text = formatMemory(clauses.map((c) => [c]));
    expect(parseMemory(text).sentences).toHaveLength(2);
  });

  it('round-trips through the parser', () => {
    const text = formatMemory([clauses.slice(0, 2), clauses.slice(2)]);
    const parsed = parseMemory(text);
    expect(parsed.errors).toEqual([]);
    expect(formatMemory(parsed.sentences)).toBe(text);
    expect(parsed.clauses.map((c) => (c.kind === 'event' ? { ...c, subject: { ...c.subject, form: undefined } } : c))).toEqual(
      clauses.map((c) => (c.kind === 'event' ? { ...c, subject: { ...c.subject, form: undefined } } : c)),
    );
  });
});

describe('countWords', () => {
  it('counts tokens without punctuation', () => {
    expect(countWords('KIWI, a large red circle, appears at top left.')).toBe(9);
    expect(countWords('Nothing changes; FIG stays.')).toBe(4);
    expect(countWords('')).toBe(0);
    expect(countWords(' , . ')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { clipTruth, colorAt } from '../../src/world/facts';
import { formatMemory, type Clause } from '../../src/world/language';
import { answerFromMemory, formatTime, generateQuestions, type QueryMeta } from '../../src/world/questions';
import { QUESTION_TYPES, type EventLog } from '../../src/world/types';
import { handLog, randomLog } from './world-logs';

const CLIP = 10;

/** Memory that states everything about every clip, ignoring the word budget (the answerer does not need it). */
function perfectMemories(log: EventLog) {
  const out = [];
  for (let t0 = 0; t0 + CLIP <= log.durationSeconds; t0 += CLIP) {
    const truth = clipTruth(log, t0, t0 + CLIP);
    const full = (label: string, t: number, color = colorAt(log, label, t)!) => {
      const o = log.objects.find((x) => x.label === label)!;
      return { label, size: o.size, color, shape: o.shape };
    };
    const clauses: Clause[] = truth.events.map((e): Clause => {
      switch (e.type) {
        case 'appear':
          return { kind: 'event', subject: full(e.label, e.t), verb: 'appears', position: e.position };
        case 'leave':
          return { kind: 'event', subject: full(e.label, e.t), verb: 'leaves', position: e.position };
        case 'move':
          return { kind: 'event', subject: full(e.label, e.t), verb: 'moves', from: e.from, position: e.to };
        case 'recolor':
          return { kind: 'event', subject: full(e.label, e.t, e.from), verb: 'turns', color: e.to };
      }
    });
    const moved = new Set(truth.events.map((e) => e.label));
    for (const o of truth.frames[0]) {
      if (!moved.has(o.label) && truth.frames.every((f) => f.some((v) => v.label === o.label))) {
        clauses.push({ kind: 'event', subject: full(o.label, t0), verb: 'stays', position: o.position });
      }
    }
    out.push({ t0, t1: t0 + CLIP, text: clauses.length ? formatMemory(clauses) : 'Nothing changes.' });
  }
  return out;
}

describe('formatTime', () => {
  it('prints m:ss', () => {
    expect([0, 9, 75, 600, 59.6].map(formatTime)).toEqual(['0:00', '0:09', '1:15', '10:00', '1:00']);
  });
});

describe('generateQuestions', () => {
  const long = randomLog(11, 900, { minGap: 2, maxGap: 6 });

  it('is deterministic by seed', () => {
    const a = generateQuestions(long, { seed: 5, clipSeconds: CLIP });
    expect(generateQuestions(long, { seed: 5, clipSeconds: CLIP })).toEqual(a);
    expect(generateQuestions(long, { seed: 6, clipSeconds: CLIP })).not.toEqual(a);
  });

  it('asks about four questions a minute of every type, each after what it needs', () => {
    const qs = generateQuestions(long, { seed: 1, clipSeconds: CLIP });
    expect(qs.length).toBeGreaterThanOrEqual(50);
    expect(qs.length).toBeLessThanOrEqual(60);
    expect(new Set(qs.map((q) => q.type))).toEqual(new Set(QUESTION_TYPES));
    expect(new Set(qs.map((q) => q.id)).size).toBe(qs.length);
    for (const [i, q] of qs.entries()) {
      expect(q.t % CLIP).toBe(0);
      expect(q.t).toBeGreaterThanOrEqual(2 * CLIP);
      expect(q.t).toBeLessThanOrEqual(long.durationSeconds);
      if (i) expect(q.t).toBeGreaterThanOrEqual(qs[i - 1]!.t);
    }
  });

  it('mixes multiple choice with free form and includes some unanswerable questions', () => {
    let all = 0, mc = 0, unknown = 0;
    for (let seed = 1; seed <= 8; seed++) {
      for (const q of generateQuestions(randomLog(seed, 600), { seed, clipSeconds: CLIP })) {
        all++;
        if (q.answer === 'unknown') unknown++;
        if (!q.choices) continue;
        mc++;
        expect(q.choices).toHaveLength(4);
        expect(new Set(q.choices).size).toBe(4);
        if (q.answer === 'unknown') expect(q.choices).not.toContain('unknown');
        else expect(q.choices).toContain(q.answer);
      }
    }
    expect(mc / all).toBeGreaterThan(0.4);
    expect(mc / all).toBeLessThan(0.6);
    expect(unknown / all).toBeGreaterThan(0.05);
    expect(unknown / all).toBeLessThan(0.16);
  });

  it('skews the mix toward the focus type', () => {
    for (const focus of ['color', 'order'] as const) {
      const qs = generateQuestions(long, { seed: 3, clipSeconds: CLIP, focus, perMinute: 8 });
      const share = qs.filter((q) => q.type === focus).length / qs.length;
      expect(share, focus).toBeGreaterThan(0.5);
      expect(share, focus).toBeLessThan(0.72);
    }
  });

  it('answers from the event log', () => {
    const log = handLog();
    const expected: Record<string, string> = {
      'colorOf KIWI': 'red', 'colorOf FIG': 'red', 'colorOf MINT': 'green',
      'shapeOf KIWI': 'circle', 'shapeOf BOLT': 'square', 'shapeOf FIG': 'square', 'shapeOf MINT': 'triangle',
      'labelOf red circle': 'KIWI', 'labelOf red square': 'FIG', 'labelOf green triangle': 'MINT',
      'appearedAt KIWI': 'top left', 'appearedAt BOLT': 'bottom right', 'appearedAt MINT': 'left', 'movedTo KIWI': 'top',
      'after KIWI': 'BOLT', 'after BOLT': 'MINT', 'before BOLT': 'KIWI', 'before MINT': 'BOLT',
      'leftWhen KIWI': '0:20-0:30', 'leftWhen BOLT': '0:40-0:50', 'leftFirst BOLT KIWI': 'KIWI', 'leftFirst KIWI BOLT': 'KIWI',
    };
    const key = (m: QueryMeta) => [m.kind, ...Object.entries(m).filter(([k]) => k !== 'kind').map(([, v]) => v)].join(' ');
    const appearTimes = [3, 6, 33];
    const appearColors: [number, string][] = [[3, 'red'], [6, 'blue'], [33, 'green']];
    let checked = 0;
    for (let seed = 0; seed < 40; seed++) {
      for (const q of generateQuestions(log, { seed, clipSeconds: CLIP, perMinute: 30 })) {
        const m = q.meta!;
        if (q.answer === 'unknown') {
          // Unanswerable questions name a label or a colour and shape the stream never shows.
          if ('label' in m) expect(log.objects.map((o) => o.label)).not.toContain(m.label);
          if (m.kind === 'labelOf') expect(log.objects.some((o) => o.shape === m.shape && o.color === m.color)).toBe(false);
          continue;
        }
        if (m.kind === 'countAppeared') expect(q.answer).toBe(String(appearTimes.filter((t) => t > m.from && t <= m.to).length));
        else if (m.kind === 'countColor') expect(q.answer).toBe(String(appearColors.filter(([t, c]) => t <= m.to && c === m.color).length));
        else expect(q.answer, key(m)).toBe(expected[key(m)]);
        // BOLT turned yellow at 16, before anyone could have asked about it.
        expect(key(m)).not.toBe('colorOf BOLT');
        if (m.kind === 'leftFirst') expect(q.t).toBeGreaterThanOrEqual(60);
        if (m.kind === 'after' && m.label === 'BOLT') expect(q.t).toBeGreaterThanOrEqual(50);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('matches what a complete memory says, question by question', () => {
    let n = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const log = randomLog(seed, 300, { reappear: seed % 2 === 0 });
      const memories = perfectMemories(log);
      for (const q of generateQuestions(log, { seed, clipSeconds: CLIP, perMinute: 12 })) {
        expect(answerFromMemory(memories, q.meta!, q.t), `${q.question} @${q.t} seed ${seed}`).toBe(q.answer);
        n++;
      }
    }
    expect(n).toBeGreaterThan(500);
  });
});

describe('answerFromMemory', () => {
  const full = [
    { t0: 0, t1: 10, text: 'KIWI, a large red circle, appears at top left; BOLT, a small blue square, appears at bottom right.' },
    { t0: 10, t1: 20, text: 'KIWI moves from top left to top; BOLT, a blue square, turns yellow.' },
    { t0: 20, t1: 30, text: 'KIWI leaves from top.' },
    { t0: 30, t1: 40, text: 'MINT, a green triangle, appears at left.' },
    { t0: 40, t1: 50, text: 'BOLT leaves.' },
  ];
  const ask = (meta: QueryMeta, t = 60, memories = full) => answerFromMemory(memories, meta, t);

  it('reads answers off complete memory', () => {
    expect(ask({ kind: 'colorOf', label: 'KIWI' })).toBe('red');
    expect(ask({ kind: 'colorOf', label: 'BOLT' })).toBe('yellow');
    expect(ask({ kind: 'shapeOf', label: 'MINT' })).toBe('triangle');
    expect(ask({ kind: 'labelOf', color: 'red', shape: 'circle' })).toBe('KIWI');
    expect(ask({ kind: 'appearedAt', label: 'BOLT' })).toBe('bottom right');
    expect(ask({ kind: 'movedTo', label: 'KIWI' })).toBe('top');
    expect(ask({ kind: 'countAppeared', from: 0, to: 40 })).toBe('3');
    expect(ask({ kind: 'countAppeared', from: 10, to: 30 })).toBe('0');
    expect(ask({ kind: 'countColor', color: 'blue', to: 40 })).toBe('1');
    expect(ask({ kind: 'after', label: 'BOLT' })).toBe('MINT');
    expect(ask({ kind: 'before', label: 'BOLT' })).toBe('KIWI');
    expect(ask({ kind: 'leftWhen', label: 'KIWI' })).toBe('0:20-0:30');
    expect(ask({ kind: 'leftFirst', a: 'BOLT', b: 'KIWI' })).toBe('KIWI');
  });

  it('only reads memories written by the time of the question', () => {
    expect(ask({ kind: 'after', label: 'BOLT' }, 30)).toBe('unknown');
    expect(ask({ kind: 'colorOf', label: 'BOLT' }, 10)).toBe('blue');
    expect(ask({ kind: 'leftFirst', a: 'BOLT', b: 'KIWI' }, 45)).toBe('unknown');
  });

  it('says unknown when memory leaves the needed fact out', () => {
    const sparse = [
      { t0: 0, t1: 10, text: 'KIWI appears; a small blue square appears at bottom right.' },
      { t0: 10, t1: 20, text: 'KIWI moves to top; a square turns yellow.' },
      { t0: 30, t1: 40, text: 'A green triangle labeled MINT appears at left.' },
    ];
    const m = (meta: QueryMeta) => ask(meta, 60, sparse);
    expect(m({ kind: 'colorOf', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'shapeOf', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'appearedAt', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'labelOf', color: 'blue', shape: 'square' })).toBe('unknown');
    expect(m({ kind: 'after', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'before', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'leftWhen', label: 'KIWI' })).toBe('unknown');
    expect(m({ kind: 'countColor', color: 'green', to: 40 })).toBe('unknown');
    expect(m({ kind: 'countAppeared', from: 40, to: 60 })).toBe('unknown');
    expect(m({ kind: 'colorOf', label: 'ZED' })).toBe('unknown');
    // What is stated still answers.
    expect(m({ kind: 'movedTo', label: 'KIWI' })).toBe('top');
    expect(m({ kind: 'countAppeared', from: 0, to: 20 })).toBe('2');
    expect(m({ kind: 'countColor', color: 'green', to: 40 })).toBe('unknown');
    expect(m({ kind: 'colorOf', label: 'MINT' })).toBe('green');
  });

  it('borrows a colour stated elsewhere for a count only while memory never says it changed', () => {
    const mem = [
      { t0: 0, t1: 10, text: 'KIWI appears; BOLT appears.' },
      { t0: 10, t1: 20, text: 'KIWI, a red circle, moves to top; BOLT, a blue square, turns red.' },
    ];
    expect(ask({ kind: 'countColor', color: 'red', to: 10 }, 60, mem)).toBe('unknown');
    expect(ask({ kind: 'countColor', color: 'red', to: 10 }, 60, mem.slice(0, 1).concat({ t0: 10, t1: 20, text: 'KIWI, a red circle, moves to top; BOLT, a blue square, stays.' }))).toBe('1');
  });

  it('ignores unparseable text', () => {
    expect(ask({ kind: 'colorOf', label: 'KIWI' }, 60, [{ t0: 0, t1: 10, text: 'KIWI is red and round.' }])).toBe('unknown');
  });
});

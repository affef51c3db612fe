import { describe, expect, it } from 'vitest';
import { aggregateFactScores, clipTruth, sceneAt, scoreMemory } from '../../src/world/facts';
import { handLog, makeLog } from './world-logs';

const log = handLog();
const judged = (text: string, t0: number, t1: number) =>
  scoreMemory(text, log, t0, t1).details.stated.map((f) => `${f.kind}:${f.value}:${f.true ? 'T' : 'F'}`);

describe('clipTruth', () => {
  it('gives the window events and the three frames', () => {
    const truth = clipTruth(log, 0, 10);
    expect(truth.frameTimes).toEqual([0, 5, 10]);
    expect(truth.events.map((e) => e.label)).toEqual(['KIWI', 'BOLT']);
    expect(truth.frames.map((f) => f.map((o) => o.label).sort())).toEqual([['FIG'], ['FIG', 'KIWI'], ['BOLT', 'FIG', 'KIWI']]);
    expect(truth.objects.map((o) => o.label).sort()).toEqual(['BOLT', 'FIG', 'KIWI']);
  });

  it('applies an event at its own time and keeps colours across frames', () => {
    expect(sceneAt(log, 14).find((o) => o.label === 'KIWI')?.position).toBe('top');
    expect(sceneAt(log, 15.9).find((o) => o.label === 'BOLT')?.color).toBe('blue');
    expect(sceneAt(log, 16).find((o) => o.label === 'BOLT')?.color).toBe('yellow');
    expect(sceneAt(log, 25).some((o) => o.label === 'KIWI')).toBe(false);
  });
});

describe('scoreMemory', () => {
  it('counts true facts and covered truth facts', () => {
    const s = scoreMemory('KIWI, a large red circle, appears at top left; BOLT appears at bottom right.', log, 0, 10);
    expect(s.stated).toBe(9);
    expect(s.trueStated).toBe(9);
    // appear: event, position, label, size, shape, colour, for each of the two events
    expect(s.truthFacts).toBe(12);
    expect(s.covered).toBe(9);
    const missed = s.details.truth.filter((t) => !t.covered).map((t) => `${t.label}:${t.kind}`);
    expect(missed.sort()).toEqual(['BOLT:color', 'BOLT:shape', 'BOLT:size']);
  });

  it('marks wrong attributes and arguments false one by one', () => {
    expect(judged('KIWI, a small blue circle, appears at top.', 0, 10)).toEqual([
      'label:KIWI:T', 'size:small:F', 'color:blue:F', 'shape:circle:T', 'event:appears:T', 'position:top:F',
    ]);
    expect(judged('KIWI leaves from top left.', 0, 10)).toEqual(['label:KIWI:T', 'event:leaves:F', 'position:top left:F']);
  });

  it('makes every fact of a clause false when its label is not in the window', () => {
    expect(judged('ZED, a red circle, appears.', 0, 10)).toEqual(['label:ZED:F', 'color:red:F', 'shape:circle:F', 'event:appears:F']);
    // KIWI left at 25, so it is nowhere in (30, 40].
    expect(judged('KIWI leaves.', 30, 40)).toEqual(['label:KIWI:F', 'event:leaves:F']);
  });

  it('resolves an unlabeled subject to the object that fits it best', () => {
    expect(judged('A small blue square appears at bottom right.', 0, 10).every((f) => f.endsWith(':T'))).toBe(true);
    expect(judged('A blue square appears at top left.', 0, 10)).toEqual(['color:blue:T', 'shape:square:T', 'event:appears:T', 'position:top left:F']);
    const s = scoreMemory('A blue square appears.', log, 0, 10);
    expect(s.details.stated[0]!.label).toBe('BOLT');
    expect(s.details.truth.filter((t) => t.covered).map((t) => `${t.label}:${t.kind}`).sort()).toEqual(['BOLT:color', 'BOLT:event', 'BOLT:shape']);
  });

  it('scores moves and colour changes', () => {
    expect(judged('KIWI moves from top left to top; BOLT turns yellow.', 10, 20).every((f) => f.endsWith(':T'))).toBe(true);
    // Either colour the object showed in the window is a true colour attribute.
    expect(judged('BOLT, a blue square, turns yellow.', 10, 20).every((f) => f.endsWith(':T'))).toBe(true);
    expect(judged('BOLT, a yellow square, turns yellow.', 10, 20).every((f) => f.endsWith(':T'))).toBe(true);
    expect(judged('BOLT, a red square, turns red.', 10, 20)).toEqual(['label:BOLT:T', 'color:red:F', 'shape:square:T', 'event:turns:T', 'newColor:red:F']);
    expect(judged('KIWI moves from top to top left.', 10, 20)).toEqual(['label:KIWI:T', 'event:moves:T', 'position:top left:F', 'from:top:F']);
    const s = scoreMemory('KIWI moves to top; BOLT turns yellow.', log, 10, 20);
    // move: event, from, to, label, size, shape, colour = 7; recolour: event, new colour, label, size, shape, colour = 6
    expect(s.truthFacts).toBe(13);
    expect(s.covered).toBe(6);
  });

  it('scores stays, nothing changes and the empty scene', () => {
    expect(judged('FIG stays at center.', 10, 20)).toEqual(['label:FIG:T', 'event:stays:T', 'position:center:T']);
    expect(judged('FIG stays at top.', 10, 20)).toEqual(['label:FIG:T', 'event:stays:T', 'position:top:F']);
    expect(judged('KIWI stays.', 10, 20)).toEqual(['label:KIWI:T', 'event:stays:F']);
    // BOLT appears at 6, so it is not in all three frames of (0, 10].
    expect(judged('BOLT stays.', 0, 10)).toEqual(['label:BOLT:T', 'event:stays:F']);
    expect(judged('Nothing changes; FIG stays; MINT stays at left.', 50, 60).every((f) => f.endsWith(':T'))).toBe(true);
    expect(judged('Nothing changes.', 0, 10)).toEqual(['nothing:nothing changes:F']);
    expect(judged('The scene is empty.', 50, 60)).toEqual(['empty:the scene is empty:F']);
    const empty = makeLog([{ label: 'A', shape: 'ring', size: 'small', color: 'white' }], [{ t: 12, type: 'appear', label: 'A', position: 'top' }]);
    expect(scoreMemory('The scene is empty; nothing changes.', empty, 0, 10)).toMatchObject({ stated: 2, trueStated: 2, truthFacts: 0 });
  });

  it('counts an invalid clause as one false fact and a repeat once', () => {
    expect(scoreMemory('KIWI dances.', log, 0, 10)).toMatchObject({ stated: 1, trueStated: 0 });
    expect(scoreMemory('KIWI appears; KIWI appears.', log, 0, 10)).toMatchObject({ stated: 2, trueStated: 2 });
    expect(scoreMemory('', log, 0, 10)).toMatchObject({ stated: 0, trueStated: 0, truthFacts: 12, covered: 0 });
  });
});

describe('aggregateFactScores', () => {
  it('micro-averages over clips', () => {
    const a = aggregateFactScores([
      { stated: 4, trueStated: 4, truthFacts: 10, covered: 5 },
      { stated: 6, trueStated: 3, truthFacts: 0, covered: 0 },
    ]);
    expect(a).toEqual({ factPrecision: 0.7, factRecall: 0.5 });
    expect(aggregateFactScores([])).toEqual({ factPrecision: 0, factRecall: 1 });
  });
});

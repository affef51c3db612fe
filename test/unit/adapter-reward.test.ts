import { describe, expect, it } from 'vitest';
import { countDetails, isLabel, labelsIn, scoreCandidate, taskProfile, taskReward, type RecentTask } from '../../src/adapter/reward';
import { buildPairs } from '../../src/adapter/pairs';

const colorTasks: RecentTask[] = [
  { type: 'color', question: 'What color is the cup?' },
  { type: 'color', question: 'What colour was the car?' },
  { type: 'position', question: 'Where is the lamp?' },
];
const positionTasks: RecentTask[] = [
  { type: 'position', question: 'Where did the ball move to?' },
  { type: 'position', question: 'Where did the dog appear?' },
];

describe('countDetails', () => {
  it('reads the memory language', () => {
    const c = countDetails('A large red circle labeled KIWI appears at top left; BOLT moves to center.');
    expect(c).toEqual({
      color: 1, shape: 1, label: 2, position: 2, labeledEvents: 2, labels: ['KIWI', 'BOLT'],
      keyed: { color: 1, shape: 1, position: 2, label: 1 },
      placed: new Map([['appear', new Map([['KIWI', new Set(['top left'])]])], ['move', new Map([['BOLT', new Set(['center'])]])]]),
    });
    const d = countDetails('KIWI, a small blue square, turns green; a pink ring leaves from bottom right. Nothing changes.');
    expect(d).toMatchObject({ color: 3, shape: 2, label: 1, position: 1, labeledEvents: 1 });
  });

  it('reads plain English and plurals', () => {
    const c = countDetails('Two orange crosses and three grey circles sit in the upper right corner and the middle.');
    expect(c).toMatchObject({ color: 2, shape: 2, label: 0, position: 2, labeledEvents: 0 });
  });

  it('tells labels from articles, numbers and words', () => {
    expect(isLabel('KIWI')).toBe(true);
    expect(isLabel('T42')).toBe(true);
    expect(isLabel('R2')).toBe(true);
    expect(isLabel('A')).toBe(false); // sentence-initial article
    expect(isLabel('I')).toBe(false);
    expect(isLabel('42')).toBe(false); // a number, not a name
    expect(isLabel('Kiwi')).toBe(false);
    expect(isLabel('XRAYS')).toBe(false); // longer than 4
    expect(labelsIn('Which left first, ZED or FIG? And ZED again at 1:20')).toEqual(['ZED', 'FIG']);
    // a label that spells a colour names an object, not a colour
    expect(countDetails('RED appears.')).toMatchObject({ color: 0, label: 1, labeledEvents: 1 });
  });

  it('counts only event clauses that name their object', () => {
    expect(countDetails('A red circle appears at top.').labeledEvents).toBe(0);
    expect(countDetails('KIWI stays at top.').labeledEvents).toBe(0);
    expect(countDetails('KIWI appears; ZED leaves; FIG turns blue.').labeledEvents).toBe(3);
  });

  it('ties details to the labels of their own clause', () => {
    // The pink ring has no label: its colour answers no "What color is X?"; KIWI's two colours do.
    const d = countDetails('KIWI, a small blue square, turns green; a pink ring leaves from bottom right.');
    expect(d.keyed).toEqual({ color: 1, shape: 1, position: 0, label: 1 });
    expect(countDetails('Red, blue and green circles appear at top.').keyed).toEqual({ color: 0, shape: 0, position: 0, label: 0 });
    // A label with a colour but no shape cannot answer "the label of the red square".
    expect(countDetails('FIG is red; ZED, a blue cross, appears at left.').keyed).toEqual({ color: 2, shape: 1, position: 1, label: 1 });
  });
});

describe('keyed reward', () => {
  it('prefers the memory that names the objects it colours, where counting colour words ties or reverses', () => {
    const tasks: RecentTask[] = [
      { type: 'color', question: 'What color is KIWI?' },
      { type: 'color', question: 'What color is BOLT?' },
    ];
    const named = 'KIWI, a red circle, appears; BOLT, a blue cross, appears.';
    const unnamed = 'A red circle, a blue cross and a green ring appear.';
    const profile = taskProfile(tasks);
    const score = (t: string, keyed: boolean) => scoreCandidate(profile, t, { keyed, entityBonus: 0 }).reward;
    expect(score(unnamed, false)).toBeGreaterThan(score(named, false));
    expect(score(named, true)).toBeGreaterThan(score(unnamed, true));
    expect(score(unnamed, true)).toBe(0);
  });
});

describe('asked-events reward', () => {
  const tasks: RecentTask[] = [
    { type: 'position', question: 'Where did KIWI appear?' },
    { type: 'position', question: 'Where did BOLT move to?' },
  ];
  const profile = taskProfile(tasks);
  const places = (text: string, askedEvents = true) => scoreCandidate(profile, text, { keyed: true, askedEvents }).counts.position;

  it('reads which events the place questions ask about', () => {
    expect(profile.placeEvents).toEqual(new Set(['appear', 'move']));
    expect(taskProfile([{ type: 'color', question: 'What color did KIWI turn after it appeared?' }]).placeEvents.size).toBe(0);
  });

  it('counts the place of an asked event once per object, and the destination of a move', () => {
    expect(places('KIWI appears at top left; ZED appeared at center.')).toBe(2);
    expect(places('BOLT moves from left to bottom right.')).toBe(1);
    // The same place said twice is one answer, not two.
    expect(places('KIWI appears at top left. A red circle labeled KIWI appears at top left.')).toBe(1);
    expect(countDetails('BOLT moves from left to bottom right.').placed.get('move')).toEqual(new Map([['BOLT', new Set(['bottom right'])]]));
  });

  it('gives no place questions ask about to clauses that answer none of them', () => {
    // "Where did X appear/move to?" is not answered by where something left, stayed, or an unnamed shape appeared.
    const idle = 'KIWI leaves from top left; Nothing changes; ZED stays at center; a red ring appears at right.';
    expect(places(idle)).toBe(0);
    expect(places(idle, false)).toBe(2);
    // "disappears" is not "appears".
    expect(places('KIWI disappears at left.')).toBe(0);
  });

  it('counts an object given two places for the same event for neither', () => {
    const contradicted = 'A large square labeled IRIS appears at bottom right. A purple square labeled IRIS appears at top right.';
    expect(places(contradicted)).toBe(0);
    expect(places(contradicted, false)).toBe(2);
    expect(places(`${contradicted} KIWI appears at left.`)).toBe(1);
  });

  it('falls back to keyed places when no place question names a known event', () => {
    const where = taskProfile([{ type: 'position', question: 'Where is KIWI now?' }]);
    expect(scoreCandidate(where, 'KIWI stays at top left.', { keyed: true, askedEvents: true }).counts.position).toBe(1);
  });
});

describe('taskReward', () => {
  it('gives weights equal to the share of each task type', () => {
    const p = taskProfile([...colorTasks, { type: 'other', question: 'Is it raining?' }]);
    expect(p.weights).toEqual({ color: 0.5, shape: 0, label: 0, position: 0.25, count: 0, order: 0 });
  });

  it('follows the documented formula', () => {
    const r = taskReward(colorTasks, 'A large red circle labeled KIWI appears at top left; BOLT moves to center.');
    // color: 2/3 * min(1,3)/3; position: 1/3 * min(2,3)/3; no labels in the questions
    expect(r.terms.color).toBeCloseTo(2 / 9, 12);
    expect(r.terms.position).toBeCloseTo(2 / 9, 12);
    expect(r.entity).toBe(0);
    expect(r.reward).toBeCloseTo(4 / 9, 12);
    // the cap: five colours score like three
    expect(taskReward(colorTasks, 'red orange yellow green blue').terms.color).toBeCloseTo(2 / 3, 12);
    expect(taskReward(colorTasks, 'red', { caps: { color: 1 } }).terms.color).toBeCloseTo(2 / 3, 12);
  });

  it('prefers colours for colour tasks and positions for position tasks', () => {
    const withColor = 'A red circle labeled KIWI appears.';
    const withoutColor = 'A circle labeled KIWI appears.';
    const withPosition = 'A circle labeled KIWI appears at top left.';
    expect(taskReward(colorTasks, withColor).reward).toBeGreaterThan(taskReward(colorTasks, withoutColor).reward);
    expect(taskReward(positionTasks, withPosition).reward).toBeGreaterThan(taskReward(positionTasks, withColor).reward);
    // and not the other way round: colour does nothing for position tasks
    expect(taskReward(positionTasks, withColor).reward).toBe(taskReward(positionTasks, withoutColor).reward);
    expect(taskReward(colorTasks, withColor).reward).toBeGreaterThan(taskReward(colorTasks, withPosition).reward);
  });

  it('prefers labeled events for count and order tasks', () => {
    const tasks: RecentTask[] = [
      { type: 'count', question: 'How many objects appeared between 0:10 and 0:40?' },
      { type: 'order', question: 'Which object appeared right after the dog?' },
    ];
    const labeled = 'A red circle labeled KIWI appears; a blue square labeled ZED appears.';
    const unlabeled = 'A red circle appears; a blue square appears.';
    expect(taskReward(tasks, labeled).reward).toBeGreaterThan(taskReward(tasks, unlabeled).reward);
    expect(taskReward(tasks, unlabeled).reward).toBe(0);
  });

  it('adds a bonus for entities the questions name', () => {
    const tasks: RecentTask[] = [
      { type: 'shape', question: 'What shape is KIWI?' },
      { type: 'shape', question: 'What shape is ZED?' },
    ];
    const kiwi = taskReward(tasks, 'KIWI, a red circle, appears.');
    const fig = taskReward(tasks, 'FIG, a red circle, appears.');
    expect(kiwi.matchedEntities).toEqual(['KIWI']);
    expect(kiwi.entity).toBeCloseTo(0.5 * 0.5, 12); // default bonus 0.5 times the share of tasks naming KIWI
    expect(fig.entity).toBe(0);
    expect(kiwi.reward).toBeGreaterThan(fig.reward);
    // both entities: every task is covered, each once
    expect(taskReward(tasks, 'KIWI and ZED appear.').entity).toBeCloseTo(0.5, 12);
    expect(taskReward(tasks, 'KIWI appears.', { entityBonus: 0 }).entity).toBe(0);
  });

  it('gives every candidate the same zero reward without tasks, so no pairs form', () => {
    const texts = ['A large red circle labeled KIWI appears at top left.', 'Nothing changes.', 'BOLT moves to center.'];
    const profile = taskProfile([]);
    const scored = texts.map((text) => ({ text, reward: scoreCandidate(profile, text).reward }));
    expect(scored.map((s) => s.reward)).toEqual([0, 0, 0]);
    expect(buildPairs(scored, { minMargin: 0 })).toEqual([]);
  });

  it('decays old tasks when asked to', () => {
    const tasks: RecentTask[] = [
      { type: 'color', question: 'What color is KIWI?', askedAt: 0 },
      { type: 'position', question: 'Where is KIWI?', askedAt: 1000 },
    ];
    expect(taskProfile(tasks).weights.color).toBeCloseTo(0.5, 12);
    const decayed = taskProfile(tasks, { halfLife: 1000 }).weights;
    // weights 0.5 and 1 -> shares 1/3 and 2/3
    expect(decayed.color).toBeCloseTo(1 / 3, 12);
    expect(decayed.position).toBeCloseTo(2 / 3, 12);
    expect(taskProfile(tasks, { halfLife: 1000, now: 2000 }).weights.color).toBeCloseTo(1 / 3, 12);
    expect(() => taskProfile(tasks, { halfLife: 0 })).toThrow(RangeError);
  });

  it('with consensus, rewards only the details most of the other candidates state too', () => {
    const profile = taskProfile([{ type: 'color', question: 'What color is KIWI?' }]);
    const others = ['KIWI, a red circle, appears.', 'A red circle labeled KIWI appears at left.', 'KIWI appears at left.'];
    // "red" is in 2 of 3 others, "green" in none: only the shared colour earns reward
    const shared = scoreCandidate(profile, 'KIWI, a red circle, appears at left.', { consensus: { others } });
    const invented = scoreCandidate(profile, 'KIWI, a green circle, appears at left.', { consensus: { others } });
    expect(shared.counts.color).toBe(1);
    expect(invented.counts.color).toBe(0);
    expect(shared.reward).toBeGreaterThan(invented.reward);
    // a label one sample invents is not an entity the tasks asked about, nor a detail
    expect(scoreCandidate(profile, 'PLUM, a red circle, appears.', { consensus: { others } }).counts.label).toBe(0);
    // without consensus both colours count alike
    expect(scoreCandidate(profile, 'KIWI, a green circle, appears at left.').counts.color).toBe(1);
    // the share is adjustable, and no others means no evidence against anything
    expect(scoreCandidate(profile, 'KIWI, a red circle, appears.', { consensus: { others, minShare: 1 } }).counts.color).toBe(0);
    expect(scoreCandidate(profile, 'KIWI, a green circle, appears.', { consensus: { others: [] } }).counts.color).toBe(1);
  });
});

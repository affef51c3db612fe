/**
 * Ground truth of a clip and the fact scores of a memory against it (docs/memory-language.md).
 * A clip covers the window (t0, t1]; the model sees frames at t0, the midpoint and t1, and an event
 * at time t is visible in every frame at t or later.
 */
import { parseMemory, type Clause, type Subject } from './language';
import type { Color, EventLog, Position, VisibleObject, WorldEvent, WorldObject } from './types';

export interface ClipTruth {
  t0: number;
  t1: number;
  /** t0, midpoint, t1. */
  frameTimes: [number, number, number];
  /** What each frame shows. */
  frames: [VisibleObject[], VisibleObject[], VisibleObject[]];
  /** Events with t0 < t <= t1, in time order. */
  events: WorldEvent[];
  /** Objects a memory of this clip may talk about: visible in some frame or touched by an event. */
  objects: WorldObject[];
}

/** The scene at time t: every event at or before t applied. */
export function sceneAt(log: EventLog, t: number): VisibleObject[] {
  const byLabel = new Map(log.objects.map((o) => [o.label, o]));
  const color = new Map<string, Color>();
  const at = new Map<string, VisibleObject>();
  for (const e of log.events) {
    if (e.t > t) break;
    const obj = byLabel.get(e.label);
    if (!obj) continue;
    if (e.type === 'appear') at.set(e.label, { ...obj, color: color.get(e.label) ?? obj.color, position: e.position });
    else if (e.type === 'leave') at.delete(e.label);
    else if (e.type === 'move') {
      const v = at.get(e.label);
      if (v) v.position = e.to;
    } else {
      // Colour belongs to the object, so it survives leaving and coming back.
      color.set(e.label, e.to);
      const v = at.get(e.label);
      if (v) v.color = e.to;
    }
  }
  return [...at.values()];
}

/** The object's colour at time t, whether or not it is visible then. */
export function colorAt(log: EventLog, label: string, t: number): Color | undefined {
  let color = log.objects.find((o) => o.label === label)?.color;
  for (const e of log.events) {
    if (e.t > t) break;
    if (e.type === 'recolor' && e.label === label) color = e.to;
  }
  return color;
}

export function eventsIn(log: EventLog, t0: number, t1: number): WorldEvent[] {
  return log.events.filter((e) => e.t > t0 && e.t <= t1);
}

export function clipTruth(log: EventLog, t0: number, t1: number): ClipTruth {
  const frameTimes: [number, number, number] = [t0, (t0 + t1) / 2, t1];
  const frames = frameTimes.map((t) => sceneAt(log, t)) as ClipTruth['frames'];
  const events = eventsIn(log, t0, t1);
  const labels = new Set([...frames.flat().map((o) => o.label), ...events.map((e) => e.label)]);
  const objects = log.objects.filter((o) => labels.has(o.label));
  return { t0, t1, frameTimes, frames, events, objects };
}

// ---------------------------------------------------------------------------------------------
// Facts

export type FactKind =
  | 'event' // the verb: appears, leaves, moves, turns, stays
  | 'position' // appears at, leaves from, moves to, stays at
  | 'from' // moves from
  | 'newColor' // turns COLOR
  | 'label'
  | 'size'
  | 'color'
  | 'shape'
  | 'nothing'
  | 'empty'
  | 'invalid';

export interface StatedFact {
  clause: number;
  kind: FactKind;
  value: string;
  true: boolean;
  /** The object the clause was resolved to, if any. */
  label?: string;
  /** The verb of the clause, for event facts. */
  verb?: string;
}

export interface TruthFact {
  /** Index into ClipTruth.events. */
  event: number;
  label: string;
  kind: FactKind;
  value: string;
  covered: boolean;
}

export interface FactScore {
  stated: number;
  trueStated: number;
  truthFacts: number;
  covered: number;
  details: { stated: StatedFact[]; truth: TruthFact[] };
}

const VERB_OF: Record<WorldEvent['type'], string> = { appear: 'appears', leave: 'leaves', move: 'moves', recolor: 'turns' };

type EventClause = Extract<Clause, { kind: 'event' }>;
type Judged = Omit<StatedFact, 'clause' | 'label' | 'verb'>;

/** Colours the object had at any time in the window (at t0 and after each recolour in it). */
function colorsInWindow(log: EventLog, truth: ClipTruth, label: string): Set<Color> {
  const colors = new Set<Color>();
  const start = colorAt(log, label, truth.t0);
  if (start) colors.add(start);
  for (const e of truth.events) if (e.type === 'recolor' && e.label === label) colors.add(e.to);
  return colors;
}

/** Whether the object fits every attribute the subject states (label excluded). */
export function subjectAttributesMatch(log: EventLog, truth: ClipTruth, subject: Subject, obj: WorldObject): boolean {
  return judgeAttributes(log, truth, subject, obj).every((f) => f.true);
}

function judgeAttributes(log: EventLog, truth: ClipTruth, s: Subject, obj: WorldObject): Judged[] {
  const facts: Judged[] = [];
  if (s.size) facts.push({ kind: 'size', value: s.size, true: obj.size === s.size });
  if (s.color) facts.push({ kind: 'color', value: s.color, true: colorsInWindow(log, truth, obj.label).has(s.color) });
  if (s.shape) facts.push({ kind: 'shape', value: s.shape, true: obj.shape === s.shape });
  return facts;
}

function judgeEvent(truth: ClipTruth, c: EventClause, label: string): Judged[] {
  const own = truth.events.filter((e) => e.label === label);
  const facts: Judged[] = [];
  const add = (kind: FactKind, value: string | undefined, ok: boolean) => {
    if (value !== undefined) facts.push({ kind, value, true: ok });
  };
  if (c.verb === 'stays') {
    const placed = truth.frames.map((f) => f.find((o) => o.label === label));
    const stays = own.length === 0 && placed.every(Boolean);
    add('event', 'stays', stays);
    add('position', c.position, stays && placed[0]!.position === c.position);
    return facts;
  }
  const matching = own.filter((e) => VERB_OF[e.type] === c.verb);
  add('event', c.verb, matching.length > 0);
  add('position', c.position, matching.some((e) => eventPosition(e) === c.position));
  add('from', c.from, matching.some((e) => e.type === 'move' && e.from === c.from));
  add('newColor', c.color, matching.some((e) => e.type === 'recolor' && e.to === c.color));
  return facts;
}

function eventPosition(e: WorldEvent): Position | undefined {
  if (e.type === 'appear' || e.type === 'leave') return e.position;
  if (e.type === 'move') return e.to;
  return undefined;
}

function judgeClause(log: EventLog, truth: ClipTruth, clause: Clause, index: number): StatedFact[] {
  if (clause.kind === 'invalid') return [{ clause: index, kind: 'invalid', value: clause.text, true: false }];
  if (clause.kind === 'nothing') return [{ clause: index, kind: 'nothing', value: 'nothing changes', true: truth.events.length === 0 }];
  if (clause.kind === 'empty') {
    return [{ clause: index, kind: 'empty', value: 'the scene is empty', true: truth.frames.every((f) => f.length === 0) }];
  }
  const s = clause.subject;
  const judge = (obj: WorldObject): Judged[] => [
    ...(s.label ? [{ kind: 'label' as const, value: s.label, true: true }] : []),
    ...judgeAttributes(log, truth, s, obj),
    ...judgeEvent(truth, clause, obj.label),
  ];
  let best: { obj?: WorldObject; facts: Judged[] };
  if (s.label) {
    const obj = truth.objects.find((o) => o.label === s.label);
    // A label that names nothing in the window makes every fact of the clause false.
    best = obj ? { obj, facts: judge(obj) } : { facts: judge({ label: s.label } as WorldObject).map((f) => ({ ...f, true: false })) };
  } else {
    // An unlabeled subject refers to whichever object in the window fits it best.
    best = { facts: judge({ label: '' } as WorldObject).map((f) => ({ ...f, true: false })) };
    let bestTrue = -1;
    for (const obj of truth.objects) {
      const facts = judge(obj);
      const n = facts.filter((f) => f.true).length;
      if (n > bestTrue) {
        best = { obj, facts };
        bestTrue = n;
      }
    }
  }
  return best.facts.map((f) => ({ ...f, clause: index, label: best.obj?.label, verb: clause.verb }));
}

function truthFacts(log: EventLog, truth: ClipTruth): TruthFact[] {
  const facts: TruthFact[] = [];
  truth.events.forEach((e, i) => {
    const obj = truth.objects.find((o) => o.label === e.label);
    const add = (kind: FactKind, value: string) => facts.push({ event: i, label: e.label, kind, value, covered: false });
    add('event', VERB_OF[e.type]);
    if (e.type === 'move') add('from', e.from);
    if (e.type === 'recolor') add('newColor', e.to);
    const pos = eventPosition(e);
    if (pos) add('position', pos);
    add('label', e.label);
    if (obj) {
      add('size', obj.size);
      add('shape', obj.shape);
    }
    // Colour when the event happens; a recolour's own new colour is its argument instead.
    add('color', e.type === 'recolor' ? e.from : colorAt(log, e.label, e.t) ?? '');
  });
  return facts;
}

const EVENT_KINDS = new Set<FactKind>(['event', 'position', 'from', 'newColor']);

function covers(s: StatedFact, t: TruthFact, truth: ClipTruth): boolean {
  if (!s.true || s.label !== t.label || s.kind !== t.kind) return false;
  if (!EVENT_KINDS.has(t.kind)) return true;
  return s.verb === VERB_OF[truth.events[t.event]!.type] && s.value === t.value;
}

function clauseKey(c: Clause): string {
  return JSON.stringify(c);
}

export function scoreMemory(text: string, log: EventLog, t0: number, t1: number): FactScore {
  const truth = clipTruth(log, t0, t1);
  const seen = new Set<string>();
  // Saying the same thing twice adds no information, so repeats are scored once.
  const clauses = parseMemory(text).clauses.filter((c) => {
    const k = clauseKey(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const stated = clauses.flatMap((c, i) => judgeClause(log, truth, c, i));
  const truthList = truthFacts(log, truth);
  for (const t of truthList) t.covered = stated.some((s) => covers(s, t, truth));
  return {
    stated: stated.length,
    trueStated: stated.filter((f) => f.true).length,
    truthFacts: truthList.length,
    covered: truthList.filter((t) => t.covered).length,
    details: { stated, truth: truthList },
  };
}

/**
 * Micro-averaged precision and recall over many clips. Stating nothing at all scores precision 0;
 * a set of clips with nothing to remember scores recall 1.
 */
export function aggregateFactScores(list: Pick<FactScore, 'stated' | 'trueStated' | 'truthFacts' | 'covered'>[]): {
  factPrecision: number;
  factRecall: number;
} {
  let stated = 0, trueStated = 0, truthN = 0, covered = 0;
  for (const s of list) {
    stated += s.stated;
    trueStated += s.trueStated;
    truthN += s.truthFacts;
    covered += s.covered;
  }
  return { factPrecision: stated ? trueStated / stated : 0, factRecall: truthN ? covered / truthN : 1 };
}

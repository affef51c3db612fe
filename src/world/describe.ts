/**
 * The describer: writes training targets for the fixture model, one memory per clip, in the memory
 * language. Every statement is true by construction (tests check precision 1.0 with scoreMemory),
 * but which attributes a description includes varies from draw to draw, so one clip has many
 * correct memories. That variety is what Phase Two's steering chooses among: a variant that
 * emphasises colour and one that emphasises position are both right, and only the questions the
 * user asks say which is better.
 */
import { clipTruth, colorAt, subjectAttributesMatch, type ClipTruth } from './facts';
import { countWords, formatMemory, MAX_WORDS, type Clause, type Subject } from './language';
import type { EventLog, VisibleObject, WorldEvent, WorldObject } from './types';
import { mulberry32 } from '../util/mulberry32';

/** Anything with a uniform next() in [0, 1): the world's seeded PRNG or a test stub. */
export interface Random {
  next(): number;
}

export const ATTRIBUTES = ['size', 'color', 'shape', 'label', 'position'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export interface DescribeOptions {
  /** The attribute this variant favours; drawn at random when absent. */
  emphasis?: Attribute;
  /** Fixed inclusion probabilities (e.g. all 1 for the fullest description the budget allows). */
  probabilities?: Partial<Record<Attribute, number>>;
  /** Chance of adding a 'stays' clause next to events when the budget allows (default 0.3). */
  staysProbability?: number;
}

/** Which optional parts of one clause are written. */
interface Spec {
  obj: WorldObject;
  event?: WorldEvent;
  /** Position where the object stays, for 'stays' clauses. */
  stayAt?: VisibleObject['position'];
  label: boolean;
  size: boolean;
  color: boolean;
  shape: boolean;
  /** 'at' / 'from' argument of appears, leaves, stays; origin of moves. */
  position: boolean;
  form: NonNullable<Subject['form']>;
}

const chance = (rng: Random, p: number) => rng.next() < p;
const pickIndex = (rng: Random, n: number) => Math.floor(rng.next() * n);

function drawProbabilities(rng: Random, opts: DescribeOptions): { emphasis: Attribute; p: Record<Attribute, number> } {
  const emphasis = opts.emphasis ?? ATTRIBUTES[pickIndex(rng, ATTRIBUTES.length)]!;
  const p = {} as Record<Attribute, number>;
  for (const a of ATTRIBUTES) p[a] = opts.probabilities?.[a] ?? (a === emphasis ? 0.95 : 0.3 + 0.6 * rng.next());
  return { emphasis, p };
}

/** The subject's colour as seen at the clause: a recolour is described by its old colour. */
function subjectColor(log: EventLog, spec: Spec, truth: ClipTruth) {
  if (spec.event?.type === 'recolor') return spec.event.from;
  return colorAt(log, spec.obj.label, spec.event?.t ?? truth.t0);
}

function subjectOf(log: EventLog, spec: Spec, truth: ClipTruth): Subject {
  const s: Subject = {};
  if (spec.label) s.label = spec.obj.label;
  if (spec.size) s.size = spec.obj.size;
  if (spec.color) s.color = subjectColor(log, spec, truth);
  if (spec.shape) s.shape = spec.obj.shape;
  if (spec.label && spec.shape) s.form = spec.form;
  return s;
}

function clauseOf(log: EventLog, spec: Spec, truth: ClipTruth): Clause {
  const subject = subjectOf(log, spec, truth);
  const e = spec.event;
  if (!e) return { kind: 'event', subject, verb: 'stays', ...(spec.position ? { position: spec.stayAt } : {}) };
  switch (e.type) {
    case 'appear':
      return { kind: 'event', subject, verb: 'appears', ...(spec.position ? { position: e.position } : {}) };
    case 'leave':
      return { kind: 'event', subject, verb: 'leaves', ...(spec.position ? { position: e.position } : {}) };
    case 'move':
      return { kind: 'event', subject, verb: 'moves', position: e.to, ...(spec.position ? { from: e.from } : {}) };
    case 'recolor':
      return { kind: 'event', subject, verb: 'turns', color: e.to };
  }
}

/** An unlabeled subject must fit exactly one object of the window, or the reader cannot tell which. */
function unambiguousWithoutLabel(log: EventLog, spec: Spec, truth: ClipTruth): boolean {
  const subject = { ...subjectOf(log, spec, truth), label: undefined };
  return truth.objects.filter((o) => subjectAttributesMatch(log, truth, subject, o)).length === 1;
}

/** Make the subject grammatical and identifying after attributes were drawn or dropped. */
function repair(log: EventLog, spec: Spec, truth: ClipTruth): void {
  if (!spec.label) spec.shape = true; // a description always names the shape
  if (spec.size || spec.color) spec.shape = true;
  if (!spec.label && !unambiguousWithoutLabel(log, spec, truth)) spec.label = true;
}

function drawSpec(rng: Random, log: EventLog, truth: ClipTruth, p: Record<Attribute, number>, obj: WorldObject, event?: WorldEvent): Spec {
  const spec: Spec = {
    obj,
    event,
    label: chance(rng, p.label),
    size: chance(rng, p.size),
    color: chance(rng, p.color),
    shape: chance(rng, p.shape),
    position: chance(rng, p.position),
    form: chance(rng, 0.5) ? 'appositive' : 'labeled',
  };
  repair(log, spec, truth);
  return spec;
}

/** Optional parts that can go without losing the verb or the subject's identity. */
function droppable(log: EventLog, spec: Spec, truth: ClipTruth): (keyof Spec & Attribute)[] {
  const out: (keyof Spec & Attribute)[] = [];
  if (spec.size) out.push('size');
  if (spec.color) out.push('color');
  if (spec.position) out.push('position');
  if (spec.shape && spec.label && !spec.size && !spec.color) out.push('shape');
  if (spec.label && spec.shape && unambiguousWithoutLabel(log, spec, truth)) out.push('label');
  return out;
}

function render(log: EventLog, specs: Spec[], truth: ClipTruth, lead: Clause[], split: number): string {
  const clauses = [...lead, ...specs.map((s) => clauseOf(log, s, truth))];
  // The same clause twice (an object repeating an event in one clip) would read as a repeat.
  const unique = clauses.filter((c, i) => clauses.findIndex((d) => JSON.stringify(d) === JSON.stringify(c)) === i);
  return split > 0 && split < unique.length ? formatMemory([unique.slice(0, split), unique.slice(split)]) : formatMemory(unique);
}

/** Objects visible in all three frames and untouched by any event: the ones that may 'stay'. */
function stayingObjects(truth: ClipTruth): VisibleObject[] {
  const moved = new Set(truth.events.map((e) => e.label));
  return truth.frames[0].filter((o) => !moved.has(o.label) && truth.frames.every((f) => f.some((v) => v.label === o.label)));
}

function pickDistinct<T>(rng: Random, items: T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(pickIndex(rng, pool.length), 1)[0]!);
  return out;
}

export function describeClip(log: EventLog, t0: number, t1: number, rng: Random, opts: DescribeOptions = {}): string {
  const truth = clipTruth(log, t0, t1);
  const { emphasis, p } = drawProbabilities(rng, opts);
  const staying = stayingObjects(truth);
  const staysSpec = (o: VisibleObject) => ({ ...drawSpec(rng, log, truth, p, o), stayAt: o.position });

  if (truth.events.length === 0) {
    if (truth.frames.every((f) => f.length === 0)) return 'The scene is empty.';
    const stays = pickDistinct(rng, staying, pickIndex(rng, 3)).map(staysSpec);
    const split = chance(rng, 0.5) ? 1 : 0;
    for (let i = stays.length; i >= 0; i--) {
      const text = render(log, stays.slice(0, i), truth, [{ kind: 'nothing' }], split);
      if (countWords(text) <= MAX_WORDS) return text;
    }
  }

  const specs = truth.events.map((e) => drawSpec(rng, log, truth, p, truth.objects.find((o) => o.label === e.label)!, e));
  const split = specs.length > 1 && chance(rng, 0.5) ? 1 + pickIndex(rng, specs.length - 1) : 0;
  const fits = (s: Spec[]) => countWords(render(log, s, truth, [], split)) <= MAX_WORDS;

  // Over budget: shed optional attributes, the emphasised one last; a clip too busy even for bare
  // clauses loses its latest events rather than breaking the format.
  while (!fits(specs)) {
    const options = specs.flatMap((s) => droppable(log, s, truth).map((a) => ({ s, a })));
    if (options.length === 0) {
      specs.pop();
      continue;
    }
    const plain = options.filter((o) => o.a !== emphasis);
    const pool = plain.length ? plain : options;
    const { s, a } = pool[pickIndex(rng, pool.length)]!;
    s[a] = false;
    repair(log, s, truth);
  }

  if (staying.length && chance(rng, opts.staysProbability ?? 0.3)) {
    const extra = staysSpec(staying[pickIndex(rng, staying.length)]!);
    if (fits([...specs, extra])) specs.push(extra);
  }
  return render(log, specs, truth, [], split);
}

/** Seeded generator for callers that only have a seed (mulberry32). */
export function seededRandom(seed: number): Random {
  return { next: mulberry32(seed) };
}

/**
 * k descriptions of one clip, distinct as far as the clip allows; when it allows fewer (an empty
 * scene has one), the distinct ones repeat in order so callers can always index 0..k-1.
 */
export function describeClipVariants(log: EventLog, t0: number, t1: number, seed: number, k: number, opts: DescribeOptions = {}): string[] {
  const rng = seededRandom(seed);
  const distinct = new Set<string>();
  for (let tries = 0; distinct.size < k && tries < k * 20; tries++) distinct.add(describeClip(log, t0, t1, rng, opts));
  const list = [...distinct];
  return Array.from({ length: k }, (_, i) => list[i % list.length]!);
}

/**
 * The describer's memory of every whole clip of a stream, the first variant each: the "reference
 * memories" that measure the answering skill apart from the memorizer's.
 */
export function referenceMemories(log: EventLog, durationSeconds: number, seed: number, clipSeconds = 10): { clipIndex: number; t0: number; t1: number; text: string }[] {
  return Array.from({ length: Math.floor(durationSeconds / clipSeconds) }, (_, c) => {
    const t0 = c * clipSeconds;
    return { clipIndex: c, t0, t1: t0 + clipSeconds, text: describeClipVariants(log, t0, t0 + clipSeconds, seed * 1000 + c, 1)[0]! };
  });
}

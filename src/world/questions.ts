/**
 * Questions about a stream, asked after the events they need, with ground-truth answers from the
 * event log; and the answer a reader can derive from the memory text alone, which is both the
 * fixture's answering target and the yardstick for "does memory hold what the question needs".
 */
import { seededRandom, type Random } from './describe';
import { colorAt } from './facts';
import { parseMemory, type Clause } from './language';
import { COLORS, POSITIONS, QUESTION_TYPES, SHAPES, type Color, type EventLog, type QuestionType, type Shape, type WorldEvent } from './types';

export const UNKNOWN = 'unknown';

/** A question in structured form, so answers can be computed from the log or from memory. */
export type QueryMeta =
  | { kind: 'colorOf'; label: string }
  | { kind: 'shapeOf'; label: string }
  | { kind: 'labelOf'; color: Color; shape: Shape }
  | { kind: 'appearedAt'; label: string }
  | { kind: 'movedTo'; label: string }
  /** Appear events in (from, to]; both clip boundaries. */
  | { kind: 'countAppeared'; from: number; to: number }
  /** Appear events in (0, to] of objects that had this colour when they appeared. */
  | { kind: 'countColor'; color: Color; to: number }
  | { kind: 'after'; label: string }
  | { kind: 'before'; label: string }
  | { kind: 'leftWhen'; label: string }
  | { kind: 'leftFirst'; a: string; b: string };

export interface ManifestQuestion {
  id: string;
  /** Second at which the question is asked (a clip boundary). */
  t: number;
  type: QuestionType;
  question: string;
  /** Four options for multiple choice; absent for free-form. */
  choices?: string[];
  answer: string;
  meta?: QueryMeta;
}

export interface QuestionOptions {
  seed: number;
  clipSeconds: number;
  focus?: QuestionType;
  perMinute?: number;
}

export function formatTime(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function questionText(meta: QueryMeta): string {
  switch (meta.kind) {
    case 'colorOf':
      return `What color is ${meta.label}?`;
    case 'shapeOf':
      return `What shape is ${meta.label}?`;
    case 'labelOf':
      return `What is the label of the ${meta.color} ${meta.shape}?`;
    case 'appearedAt':
      return `Where did ${meta.label} appear?`;
    case 'movedTo':
      return `Where did ${meta.label} move to?`;
    case 'countAppeared':
      // "between m:ss and m:ss" is the form recall's context selector recognises as a time range.
      return `How many objects appeared between ${formatTime(meta.from)} and ${formatTime(meta.to)}?`;
    case 'countColor':
      return `How many ${meta.color} objects appeared by ${formatTime(meta.to)}?`;
    case 'after':
      return `Which object appeared right after ${meta.label}?`;
    case 'before':
      return `Which object appeared right before ${meta.label}?`;
    case 'leftWhen':
      return `When did ${meta.label} leave?`;
    case 'leftFirst':
      return `Which left first, ${meta.a} or ${meta.b}?`;
  }
}

// ---------------------------------------------------------------------------------------------
// Ground truth at time t

interface Candidate {
  meta: QueryMeta;
  answer: string;
}

/** What is true, and what memory could know, when a question is asked at t. */
class Moment {
  /** Events that happened by t (the truth a question must not contradict). */
  readonly past: WorldEvent[];
  /**
   * Events inside some clip whose clip ended at least one clip before t: memory has had time to
   * record them. Events at t <= 0 (the opening scene) belong to no clip, so no memory states them.
   */
  readonly known: WorldEvent[];

  constructor(readonly log: EventLog, readonly t: number, readonly clip: number) {
    this.past = log.events.filter((e) => e.t <= t);
    this.known = this.past.filter((e) => e.t > 0 && clipEnd(e.t, clip) + clip <= t);
  }

  count(type: WorldEvent['type'], label: string): number {
    return this.past.filter((e) => e.type === type && e.label === label).length;
  }

  /** Labels whose only event of this type happened by t and is known. */
  onceKnown(type: WorldEvent['type']): WorldEvent[] {
    return this.known.filter((e) => e.type === type && this.count(type, e.label) === 1);
  }

  /** Objects memory has had time to see: on screen from the start, or appeared in a known clip. */
  seenLabels(): string[] {
    const opening = this.past.filter((e) => e.type === 'appear' && e.t <= 0 && this.t >= 2 * this.clip);
    return [...new Set([...opening, ...this.known].filter((e) => e.type === 'appear').map((e) => e.label))];
  }

  recoloured(label: string): boolean {
    return this.count('recolor', label) > 0;
  }

  /** Every colour the object showed by t. */
  colorsOf(label: string): Color[] {
    const obj = this.log.objects.find((o) => o.label === label)!;
    return [obj.color, ...this.past.filter((e) => e.type === 'recolor' && e.label === label).map((e) => (e as { to: Color }).to)];
  }
}

function clipEnd(t: number, clip: number): number {
  return Math.max(clip, Math.ceil(t / clip) * clip);
}

function objectOf(log: EventLog, label: string) {
  return log.objects.find((o) => o.label === label)!;
}

/** Neighbouring appear event in time, or null when there is none or a tie makes "right after" ambiguous. */
function neighbour(appears: WorldEvent[], i: number, step: 1 | -1): WorldEvent | null {
  const e = appears[i]!;
  const n = appears[i + step];
  if (!n || n.t === e.t) return null;
  const beyond = appears[i + 2 * step];
  if (beyond && beyond.t === n.t) return null;
  if (appears[i - step]?.t === e.t) return null;
  return n;
}

function answerable(m: Moment, type: QuestionType, rng: Random): Candidate[] {
  const { log, clip } = m;
  switch (type) {
    case 'color':
      return m.seenLabels().filter((l) => !m.recoloured(l)).map((label) => ({ meta: { kind: 'colorOf', label }, answer: objectOf(log, label).color }));
    case 'shape':
      return m.seenLabels().map((label) => ({ meta: { kind: 'shapeOf', label }, answer: objectOf(log, label).shape }));
    case 'label': {
      const everSeen = [...new Set(m.past.filter((e) => e.type === 'appear').map((e) => e.label))];
      return m.seenLabels()
        .filter((l) => !m.recoloured(l))
        .filter((l) => {
          const o = objectOf(log, l);
          // The colour and shape must pick out one object among all seen so far, in any colour it had.
          return everSeen.every((other) => other === l || objectOf(log, other).shape !== o.shape || !m.colorsOf(other).includes(o.color));
        })
        .map((l) => {
          const o = objectOf(log, l);
          return { meta: { kind: 'labelOf', color: o.color, shape: o.shape }, answer: l };
        });
    }
    case 'position':
      return [
        ...m.onceKnown('appear').map((e) => ({ meta: { kind: 'appearedAt', label: e.label } as QueryMeta, answer: (e as { position: string }).position })),
        ...m.onceKnown('move').map((e) => ({ meta: { kind: 'movedTo', label: e.label } as QueryMeta, answer: (e as { to: string }).to })),
      ];
    case 'count': {
      const out: Candidate[] = [];
      const last = m.t - clip;
      if (last >= clip) {
        const spanClips = 2 + Math.floor(rng.next() * 5);
        const to = last;
        const from = Math.max(0, to - spanClips * clip);
        const n = log.events.filter((e) => e.type === 'appear' && e.t > from && e.t <= to).length;
        out.push({ meta: { kind: 'countAppeared', from, to }, answer: String(n) });
        const appears = log.events.filter((e) => e.type === 'appear' && e.t > 0 && e.t <= to);
        const present = [...new Set(appears.map((e) => colorAt(log, e.label, e.t)!))];
        // Mostly colours that occur, sometimes one that does not (answer 0).
        const color = present.length && rng.next() < 0.75 ? present[Math.floor(rng.next() * present.length)]! : COLORS[Math.floor(rng.next() * COLORS.length)]!;
        const k = appears.filter((e) => colorAt(log, e.label, e.t) === color).length;
        out.push({ meta: { kind: 'countColor', color, to }, answer: String(k) });
      }
      return out;
    }
    case 'order': {
      const out: Candidate[] = [];
      const appears = m.past.filter((e) => e.type === 'appear' && e.t > 0);
      appears.forEach((e, i) => {
        if (m.count('appear', e.label) !== 1) return;
        const next = neighbour(appears, i, 1);
        if (next && m.known.includes(next)) out.push({ meta: { kind: 'after', label: e.label }, answer: next.label });
        const prev = neighbour(appears, i, -1);
        if (prev && m.known.includes(e)) out.push({ meta: { kind: 'before', label: e.label }, answer: prev.label });
      });
      const leaves = m.onceKnown('leave');
      for (const e of leaves) {
        const start = clipEnd(e.t, clip) - clip;
        out.push({ meta: { kind: 'leftWhen', label: e.label }, answer: `${formatTime(start)}-${formatTime(start + clip)}` });
      }
      for (const a of leaves) for (const b of leaves) {
        if (a.label < b.label && a.t !== b.t) {
          const [x, y] = rng.next() < 0.5 ? [a, b] : [b, a];
          out.push({ meta: { kind: 'leftFirst', a: x.label, b: y.label }, answer: a.t < b.t ? a.label : b.label });
        }
      }
      return out;
    }
  }
}

/** A label in the stream's style that no object in it has. */
function freshLabel(log: EventLog, rng: Random): string {
  const taken = new Set(log.objects.map((o) => o.label));
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const base = log.objects.length ? log.objects[Math.floor(rng.next() * log.objects.length)]!.label : 'ZEN';
  for (let i = 0; i < 100; i++) {
    const chars = base.split('');
    chars[Math.floor(rng.next() * chars.length)] = letters[Math.floor(rng.next() * letters.length)]!;
    const label = chars.join('');
    if (!taken.has(label)) return label;
  }
  return 'QQQQ';
}

/** Questions whose answer no memory can hold: they name something the stream never shows. */
function unanswerable(m: Moment, type: QuestionType, rng: Random): Candidate[] {
  const label = freshLabel(m.log, rng);
  const metas: QueryMeta[] = [];
  if (type === 'color') metas.push({ kind: 'colorOf', label });
  if (type === 'shape') metas.push({ kind: 'shapeOf', label });
  if (type === 'position') metas.push({ kind: 'appearedAt', label }, { kind: 'movedTo', label });
  if (type === 'order') metas.push({ kind: 'after', label }, { kind: 'before', label }, { kind: 'leftWhen', label });
  if (type === 'label') {
    const shown = new Set(m.log.objects.flatMap((o) => [o.color, ...m.log.events.filter((e) => e.type === 'recolor' && e.label === o.label).map((e) => (e as { to: string }).to)].map((c) => `${c} ${o.shape}`)));
    for (let i = 0; i < 50 && metas.length === 0; i++) {
      const color = COLORS[Math.floor(rng.next() * COLORS.length)]!;
      const shape = SHAPES[Math.floor(rng.next() * SHAPES.length)]!;
      if (!shown.has(`${color} ${shape}`)) metas.push({ kind: 'labelOf', color, shape });
    }
  }
  return metas.map((meta) => ({ meta, answer: UNKNOWN }));
}

function shuffle<T>(rng: Random, items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Four plausible options; the answer among them unless it is 'unknown'. */
function choicesFor(c: Candidate, m: Moment, rng: Random): string[] {
  const labels = [...new Set(m.log.objects.map((o) => o.label))];
  let pool: string[];
  switch (c.meta.kind) {
    case 'colorOf':
      pool = [...COLORS];
      break;
    case 'shapeOf':
      pool = [...SHAPES];
      break;
    case 'appearedAt':
    case 'movedTo':
      pool = [...POSITIONS];
      break;
    case 'countAppeared':
    case 'countColor': {
      const a = Number(c.answer);
      pool = [a - 2, a - 1, a, a + 1, a + 2, a + 3].filter((n) => n >= 0).map(String);
      break;
    }
    case 'leftWhen': {
      const clips = Math.max(4, Math.floor(m.t / m.clip));
      pool = Array.from({ length: clips }, (_, k) => `${formatTime(k * m.clip)}-${formatTime((k + 1) * m.clip)}`);
      break;
    }
    case 'leftFirst':
      pool = [c.meta.a, c.meta.b, ...labels];
      break;
    default:
      pool = labels;
  }
  while (new Set(pool).size < 4) pool.push(freshLabel(m.log, rng));
  const others = shuffle(rng, [...new Set(pool)].filter((x) => x !== c.answer));
  const picked = c.answer === UNKNOWN ? others.slice(0, 4) : [c.answer, ...others.slice(0, 3)];
  return shuffle(rng, picked);
}

export function generateQuestions(log: EventLog, opts: QuestionOptions): ManifestQuestion[] {
  const rng = seededRandom(opts.seed ^ 0x51ed270b);
  const clip = opts.clipSeconds;
  const total = Math.round((log.durationSeconds / 60) * (opts.perMinute ?? 4));
  // Questions are asked at clip boundaries from the second clip on, so memory has had a clip to catch up.
  const times: number[] = [];
  for (let t = 2 * clip; t <= log.durationSeconds + 1e-9; t += clip) times.push(t);
  if (!times.length) return [];
  const asked = new Set<string>();
  const out: Omit<ManifestQuestion, 'id'>[] = [];
  const pickType = (): QuestionType => {
    if (opts.focus && rng.next() < 0.6) return opts.focus;
    const pool = opts.focus ? QUESTION_TYPES.filter((q) => q !== opts.focus) : [...QUESTION_TYPES];
    return pool[Math.floor(rng.next() * pool.length)]!;
  };

  for (let slot = 0; slot < total; slot++) {
    const type = pickType();
    // Count questions always have an answer, so the others carry the ~10% unanswerable share.
    const unknown = type !== 'count' && rng.next() < 0.12;
    for (let attempt = 0; attempt < 24; attempt++) {
      const t = times[Math.floor(rng.next() * times.length)]!;
      const m = new Moment(log, t, clip);
      const all = unknown ? unanswerable(m, type, rng) : answerable(m, type, rng);
      // Prefer questions not asked yet; late attempts may repeat one at another time, as users do,
      // so a focus type does not run dry on a stream with few objects.
      const fresh = all.filter((c) => !asked.has(JSON.stringify(c.meta)));
      const candidates = fresh.length || attempt < 12 ? fresh : all.filter((c) => !asked.has(JSON.stringify([c.meta, t])));
      if (!candidates.length) continue;
      // Pick the kind first so a kind with many candidates (pairs for leftFirst) does not crowd out the rest.
      const kinds = [...new Set(candidates.map((x) => x.meta.kind))];
      const kind = kinds[Math.floor(rng.next() * kinds.length)];
      const ofKind = candidates.filter((x) => x.meta.kind === kind);
      const c = ofKind[Math.floor(rng.next() * ofKind.length)]!;
      asked.add(JSON.stringify(c.meta));
      asked.add(JSON.stringify([c.meta, t]));
      const q: Omit<ManifestQuestion, 'id'> = { t, type, question: questionText(c.meta), answer: c.answer, meta: c.meta };
      if (rng.next() < 0.5) q.choices = choicesFor(c, m, rng);
      out.push(q);
      break;
    }
  }
  return out
    .map((q, i) => ({ q, i }))
    .sort((a, b) => a.q.t - b.q.t || a.i - b.i)
    .map(({ q }, i) => ({ id: `q${String(i + 1).padStart(3, '0')}`, ...q }));
}

// ---------------------------------------------------------------------------------------------
// Answers from memory text

type EventClause = Extract<Clause, { kind: 'event' }>;
interface Said {
  t0: number;
  t1: number;
  c: EventClause;
}

/**
 * The answer a reader gets from the memory text alone: memories written by t (t1 <= t), read in
 * time order, each clause taken literally. 'unknown' when no clause states what is needed.
 * Memories missing from the list are simply not known; a count is only attempted when at least one
 * memory lies inside the range.
 */
export function answerFromMemory(memories: { t0: number; t1: number; text: string }[], meta: QueryMeta, t: number): string {
  const written = memories.filter((m) => m.t1 <= t).sort((a, b) => a.t0 - b.t0);
  const said: Said[] = written.flatMap((m) =>
    parseMemory(m.text).clauses.filter((c): c is EventClause => c.kind === 'event').map((c) => ({ t0: m.t0, t1: m.t1, c })),
  );
  const about = (label: string) => said.filter((s) => s.c.subject.label === label);
  const appears = said.filter((s) => s.c.verb === 'appears');

  switch (meta.kind) {
    case 'colorOf': {
      let color: string | undefined;
      for (const { c } of about(meta.label)) {
        if (c.subject.color) color = c.subject.color;
        if (c.verb === 'turns') color = c.color;
      }
      return color ?? UNKNOWN;
    }
    case 'shapeOf':
      return about(meta.label).map((s) => s.c.subject.shape).filter(Boolean).pop() ?? UNKNOWN;
    case 'labelOf': {
      const labels = new Set(
        said.filter((s) => s.c.subject.label && s.c.subject.shape === meta.shape && s.c.subject.color === meta.color).map((s) => s.c.subject.label!),
      );
      return labels.size === 1 ? [...labels][0]! : UNKNOWN;
    }
    case 'appearedAt':
      return about(meta.label).find((s) => s.c.verb === 'appears' && s.c.position)?.c.position ?? UNKNOWN;
    case 'movedTo':
      return about(meta.label).filter((s) => s.c.verb === 'moves').pop()?.c.position ?? UNKNOWN;
    case 'countAppeared': {
      const inside = written.filter((m) => m.t0 >= meta.from && m.t1 <= meta.to);
      if (!inside.length) return UNKNOWN;
      return String(appears.filter((s) => s.t0 >= meta.from && s.t1 <= meta.to).length);
    }
    case 'countColor': {
      if (!written.some((m) => m.t1 <= meta.to)) return UNKNOWN;
      let n = 0;
      for (const s of appears.filter((a) => a.t1 <= meta.to)) {
        const color = s.c.subject.color ?? (s.c.subject.label ? steadyColor(said, s.c.subject.label) : undefined);
        // One appearance of unknown colour makes the count unknowable.
        if (!color) return UNKNOWN;
        if (color === meta.color) n++;
      }
      return String(n);
    }
    case 'after':
    case 'before': {
      const i = appears.findIndex((s) => s.c.subject.label === meta.label);
      if (i < 0) return UNKNOWN;
      return appears[meta.kind === 'after' ? i + 1 : i - 1]?.c.subject.label ?? UNKNOWN;
    }
    case 'leftWhen': {
      const s = about(meta.label).find((x) => x.c.verb === 'leaves');
      return s ? `${formatTime(s.t0)}-${formatTime(s.t1)}` : UNKNOWN;
    }
    case 'leftFirst': {
      const leaves = said.filter((s) => s.c.verb === 'leaves');
      const ia = leaves.findIndex((s) => s.c.subject.label === meta.a);
      const ib = leaves.findIndex((s) => s.c.subject.label === meta.b);
      if (ia < 0 || ib < 0) return UNKNOWN;
      return ia < ib ? meta.a : meta.b;
    }
  }
}

/** A label's colour stated anywhere, usable only when memory never says it changed. */
function steadyColor(said: Said[], label: string): string | undefined {
  const mine = said.filter((s) => s.c.subject.label === label);
  if (mine.some((s) => s.c.verb === 'turns')) return undefined;
  return mine.find((s) => s.c.subject.color)?.c.subject.color;
}

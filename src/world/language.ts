/**
 * Parser and printer for the memory language (docs/memory-language.md).
 * The parser is strict about words and order because facts are scored from the parse; it only
 * forgives what a model gets wrong without changing meaning: extra spaces and the case of the
 * first letter of a clause.
 */
import { COLORS, POSITIONS, SHAPES, SIZES, type Color, type Position, type Shape, type Size } from './types';

export const MAX_SENTENCES = 2;
export const MAX_WORDS = 24;

export const VERBS = ['appears', 'leaves', 'moves', 'turns', 'stays'] as const;
export type Verb = (typeof VERBS)[number];

export interface Subject {
  label?: string;
  size?: Size;
  color?: Color;
  shape?: Shape;
  /** How a subject with both a label and a description was written; printing defaults to 'appositive'. */
  form?: 'appositive' | 'labeled';
}

/**
 * One clause. For events: `position` is where the object is after the event (appears at, moves to,
 * stays at) or where it was when it left (leaves from); `from` is only the origin of a move;
 * `color` is only the new colour of `turns`.
 */
export type Clause =
  | { kind: 'event'; subject: Subject; verb: Verb; position?: Position; from?: Position; color?: Color }
  | { kind: 'nothing' }
  | { kind: 'empty' }
  | { kind: 'invalid'; text: string };

export interface ParsedMemory {
  clauses: Clause[];
  /** Clauses grouped as written; `clauses` is this flattened. */
  sentences: Clause[][];
  /** Format problems; an unparseable clause also appears in `clauses` as kind 'invalid'. */
  errors: string[];
}

const alt = (words: readonly string[]) =>
  // Longest first so 'top left' wins over 'top'.
  [...words].sort((a, b) => b.length - a.length).join('|');
const SIZE = alt(SIZES);
const COLOR = alt(COLORS);
const SHAPE = alt(SHAPES);
const POS = alt(POSITIONS);
const LABEL = '[A-Z0-9]{1,4}';
const DESC = `(?:(?<size>${SIZE}) )?(?:(?<color>${COLOR}) )?(?<shape>${SHAPE})`;
const PREDICATE =
  `(?:(?<verb>appears)(?: at (?<at>${POS}))?` +
  `|(?<verb2>leaves)(?: from (?<leftFrom>${POS}))?` +
  `|(?<verb3>moves)(?: from (?<from>${POS}))? to (?<to>${POS})` +
  `|(?<verb4>turns) (?<newColor>${COLOR})` +
  `|(?<verb5>stays)(?: at (?<stayAt>${POS}))?)`;
const SUBJECT_FORMS: { form?: Subject['form']; re: RegExp }[] = [
  { form: 'appositive', re: new RegExp(`^(?<label>${LABEL}), an? ${DESC}, ${PREDICATE}$`) },
  { re: new RegExp(`^(?<label>${LABEL}) ${PREDICATE}$`) },
  { form: 'labeled', re: new RegExp(`^an? ${DESC} labeled (?<label>${LABEL}) ${PREDICATE}$`) },
  { re: new RegExp(`^an? ${DESC} ${PREDICATE}$`) },
];

/** Collapse whitespace and remove spaces the model may put around punctuation. */
function normalizeSpaces(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ([.,;])/g, '$1')
    .replace(/([,;])(?=\S)/g, '$1 ')
    .trim();
}

function matchClause(text: string): Clause | null {
  if (text === 'nothing changes') return { kind: 'nothing' };
  if (text === 'the scene is empty') return { kind: 'empty' };
  for (const { form, re } of SUBJECT_FORMS) {
    const g = re.exec(text)?.groups;
    if (!g) continue;
    const subject: Subject = {};
    if (g.label) subject.label = g.label;
    if (g.size) subject.size = g.size as Size;
    if (g.color) subject.color = g.color as Color;
    if (g.shape) subject.shape = g.shape as Shape;
    if (form) subject.form = form;
    const verb = (g.verb ?? g.verb2 ?? g.verb3 ?? g.verb4 ?? g.verb5) as Verb;
    const clause: Clause = { kind: 'event', subject, verb };
    const position = g.at ?? g.leftFrom ?? g.to ?? g.stayAt;
    if (position) clause.position = position as Position;
    if (g.from) clause.from = g.from as Position;
    if (g.newColor) clause.color = g.newColor as Color;
    return clause;
  }
  return null;
}

/** Parse one clause, forgiving the case of its first letter ("A red circle", "Nothing changes"). */
function parseClause(raw: string): Clause {
  const text = raw.trim();
  const exact = matchClause(text);
  if (exact) return exact;
  const lowered = text.charAt(0).toLowerCase() + text.slice(1);
  return (lowered !== text && matchClause(lowered)) || { kind: 'invalid', text };
}

export function countWords(text: string): number {
  return text.replace(/[,;.]/g, ' ').split(/\s+/).filter(Boolean).length;
}

export function parseMemory(text: string): ParsedMemory {
  const errors: string[] = [];
  const normalized = normalizeSpaces(text);
  if (!normalized) return { clauses: [], sentences: [], errors: ['empty memory'] };

  const parts = normalized.split('.').map((s) => s.trim());
  const last = parts.pop();
  // A memory cut off mid-sentence still yields facts, but it is a format error.
  if (last) {
    parts.push(last);
    errors.push('missing final period');
  }
  const sentences: Clause[][] = [];
  for (const sentence of parts) {
    if (!sentence) {
      errors.push('empty sentence');
      continue;
    }
    sentences.push(sentence.split(';').map(parseClause));
  }
  const clauses = sentences.flat();

  if (sentences.length > MAX_SENTENCES) errors.push(`more than ${MAX_SENTENCES} sentences`);
  const words = countWords(normalized);
  if (words > MAX_WORDS) errors.push(`more than ${MAX_WORDS} words (${words})`);
  const seen = new Set<string>();
  for (const clause of clauses) {
    if (clause.kind === 'invalid') {
      errors.push(`invalid clause: "${clause.text}"`);
      continue;
    }
    const key = formatClause(clause);
    if (seen.has(key)) errors.push(`repeated clause: "${key}"`);
    seen.add(key);
  }
  const nothing = clauses.some((c) => c.kind === 'nothing');
  if (nothing && clauses.some((c) => c.kind === 'event' && c.verb !== 'stays')) {
    errors.push('"nothing changes" next to an event');
  }
  return { clauses, sentences, errors };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function formatDesc(s: Subject): string | null {
  if (!s.shape) return null;
  const words = [s.size, s.color, s.shape].filter(Boolean) as string[];
  return `${article(words[0])} ${words.join(' ')}`;
}

function formatSubject(s: Subject): string {
  const desc = formatDesc(s);
  if (s.label && desc) return s.form === 'labeled' ? `${desc} labeled ${s.label}` : `${s.label}, ${desc},`;
  if (s.label) return s.label;
  if (desc) return desc;
  throw new Error('a subject needs a label or a shape');
}

function formatPredicate(c: Extract<Clause, { kind: 'event' }>): string {
  switch (c.verb) {
    case 'appears':
      return c.position ? `appears at ${c.position}` : 'appears';
    case 'leaves':
      return c.position ? `leaves from ${c.position}` : 'leaves';
    case 'moves':
      if (!c.position) throw new Error('"moves" needs a destination');
      return c.from ? `moves from ${c.from} to ${c.position}` : `moves to ${c.position}`;
    case 'turns':
      if (!c.color) throw new Error('"turns" needs a colour');
      return `turns ${c.color}`;
    case 'stays':
      return c.position ? `stays at ${c.position}` : 'stays';
  }
}

/** One clause in lower case, as it reads after "; ". */
export function formatClause(c: Clause): string {
  switch (c.kind) {
    case 'nothing':
      return 'nothing changes';
    case 'empty':
      return 'the scene is empty';
    case 'invalid':
      return c.text;
    case 'event':
      return `${formatSubject(c.subject)} ${formatPredicate(c)}`;
  }
}

/**
 * Canonical text. A flat list is one sentence; a list of lists gives the sentences, and anything
 * past the second sentence is joined into the second so the output always obeys the grammar.
 */
export function formatMemory(clauses: Clause[] | Clause[][]): string {
  const groups: Clause[][] = clauses.length && Array.isArray(clauses[0])
    ? (clauses as Clause[][]).filter((g) => g.length)
    : [clauses as Clause[]].filter((g) => g.length);
  const sentences = groups.length > MAX_SENTENCES
    ? [...groups.slice(0, MAX_SENTENCES - 1), groups.slice(MAX_SENTENCES - 1).flat()]
    : groups;
  return sentences
    .map((g) => {
      const s = g.map(formatClause).join('; ');
      return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
    })
    .join(' ');
}

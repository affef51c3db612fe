/**
 * Drops the details of a memory that the model was unsure of, using the probability it gave each
 * token it wrote. A wrong detail is worse than none: "PLUM appears at center" sends every later
 * question about the object that really appeared elsewhere, and makes the whole clause false, while
 * "a small square appears at center" stays true and findable by what it says.
 *
 * Details are read as plain English rather than any one model's grammar, and a detail is uncertain
 * when the lowest log-probability among its tokens is under its threshold (`ConfidenceLimits`):
 * - names (`names`): upper-case words of 1-4 letters and digits (labels, text read off the screen),
 *   except "A" and "I". An uncertain name in an apposition ("KIWI, a red circle, appears") or a tag
 *   ("a red circle labeled KIWI") is cut out of its clause; a clause whose subject is only the
 *   name is dropped. Off by default: questions name objects, and a name right most of the time is
 *   worth more to answers than none (models/README.md, "Confidence").
 * - places and colour changes (`details`): an uncertain place after "at" or "from" ("appears at
 *   top left", "moves from left to center") is cut, leaving "appears", "moves to center"; a clause
 *   whose new colour ("turns blue") is uncertain is dropped, since the change is all it says.
 *   "moves ... to PLACE" keeps its destination: without it the clause says only that something
 *   moved, and dropping those cost more recall than it bought precision (models/README.md).
 */
import type { TokenLogProb } from './vlm';

export interface ConfidenceRepair {
  text: string;
  /** What was removed, for the memory's repair notes: 'name KIWI' or 'clause "KIWI appears" (uncertain name KIWI)'. */
  removed: string[];
}

const NOT_NAMES = new Set(['A', 'I']);
const NAME = /\b(?=[A-Z0-9]*[A-Z])[A-Z0-9]{1,4}\b/g;
// Built once: the reward tests every word of every candidate with it.
const WHOLE_NAME = new RegExp(`^${NAME.source}$`);

/** Whether a word is a name in the sense above (labels, screen text). */
export function isName(word: string): boolean {
  return WHOLE_NAME.test(word) && !NOT_NAMES.has(word);
}

/** Lowest log-probability among the tokens that overlap characters [start, end) of the text. */
export function lowestLogProb(tokens: readonly TokenLogProb[], start: number, end: number): number {
  let previousEnd = 0;
  let lowest = 0;
  for (const t of tokens) {
    if (t.end > start && previousEnd < end) lowest = Math.min(lowest, t.logProb);
    previousEnd = t.end;
    if (previousEnd >= end) break;
  }
  return lowest;
}

interface Span {
  start: number;
  end: number;
}

/** Sentences of clauses, with character spans into the text. Clauses end at ";" and sentences at ".", "!" or "?". */
function sentencesOf(text: string): Span[][] {
  const sentences: Span[][] = [];
  let clauses: Span[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (i < text.length && ch !== ';' && ch !== '.' && ch !== '!' && ch !== '?') continue;
    if (text.slice(start, i).trim()) clauses.push({ start, end: i });
    start = i + 1;
    if (ch !== ';' && clauses.length) {
      sentences.push(clauses);
      clauses = [];
    }
  }
  return sentences;
}

/** Thresholds for `dropUncertain`: a detail whose least likely token is under its threshold goes; null keeps them all. */
export interface ConfidenceLimits {
  names: number | null;
  details: number | null;
}

// Screen places in plain English: the world's nine, and the words a captioning model uses for them.
const PLACE_WORDS = '(?:the )?(?:top left|top right|bottom left|bottom right|upper left|upper right|lower left|lower right|top|bottom|left|right|center|centre|middle)(?: corner)?';
const PLACE = new RegExp(` (at|from) (${PLACE_WORDS})\\b`, 'g');
// A change of colour: the clause's news is the new colour, so a clause unsure of it has nothing sure to say.
// Colour words, so "turns left" is not taken for one.
const COLOUR_CHANGE = /\b(?:turns|becomes) (red|orange|yellow|green|blue|purple|violet|pink|white|black|gr[ae]y|brown|cyan|magenta|gold|silver)$/;

/** One clause with its uncertain details cut out, or null when it cannot stand without one. */
function repairClause(text: string, span: Span, tokens: readonly TokenLogProb[], limits: ConfidenceLimits, removed: string[]): string | null {
  const written = text.slice(span.start, span.end).trim();
  const offset = span.start + text.slice(span.start, span.end).indexOf(written);
  const unsure = (at: number, length: number, limit: number | null) =>
    limit !== null && lowestLogProb(tokens, offset + at, offset + at + length) < limit;
  const change = COLOUR_CHANGE.exec(written);
  if (change && unsure(written.length - change[1]!.length, change[1]!.length, limits.details)) {
    removed.push(`clause "${written}" (uncertain colour ${change[1]})`);
    return null;
  }
  let clause = written;
  const places: string[] = [];
  // Last to first, so the offsets of the earlier ones still hold in the shortened clause.
  for (const m of [...written.matchAll(PLACE)].reverse()) {
    const valueAt = m.index! + m[1]!.length + 2;
    if (!unsure(valueAt, m[2]!.length, limits.details)) continue;
    clause = clause.slice(0, m.index!) + clause.slice(m.index! + m[0].length);
    places.unshift(`place "${m[0].trim()}"`);
  }
  removed.push(...places);
  if (limits.names === null) return clause;
  for (const m of written.matchAll(NAME)) {
    if (NOT_NAMES.has(m[0]) || !unsure(m.index!, m[0].length, limits.names)) continue;
    const apposition = new RegExp(`^${m[0]}, (an? [^,]+),`);
    const tag = new RegExp(` (?:labeled|labelled|named|called|reading) ${m[0]}\\b`);
    if (apposition.test(clause)) clause = clause.replace(apposition, '$1');
    else if (tag.test(clause)) clause = clause.replace(tag, '');
    else {
      removed.push(`clause "${written}" (uncertain name ${m[0]})`);
      return null;
    }
    removed.push(`name ${m[0]}`);
  }
  return clause;
}

/** The memory without the details the model was unsure of (see above); unchanged when it was sure of all. */
export function dropUncertain(text: string, tokens: readonly TokenLogProb[], limits: ConfidenceLimits): ConfidenceRepair {
  const removed: string[] = [];
  const sentences: string[] = [];
  for (const clauses of sentencesOf(text)) {
    const kept = clauses.map((c) => repairClause(text, c, tokens, limits, removed)).filter((c): c is string => !!c);
    if (!kept.length) continue;
    const body = kept.join('; ');
    sentences.push(body[0]!.toUpperCase() + body.slice(1) + '.');
  }
  return removed.length ? { text: sentences.join(' '), removed } : { text, removed };
}


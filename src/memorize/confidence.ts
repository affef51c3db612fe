/**
 * Drops the details of a memory that the model was unsure of, using the probability it gave each
 * token it wrote. A misread name is worse than no name: "PLUM appears at center" sends every later
 * question about the object that really appeared elsewhere, and makes the whole clause false, while
 * "a small square appears at center" stays true and findable by what it says.
 *
 * The details are names, read as plain English rather than any one model's grammar: upper-case
 * words of 1-4 letters and digits (labels, text read off the screen), except "A" and "I". A name is
 * uncertain when the lowest log-probability among its tokens is below a threshold (the memorizer's
 * `dropNamesBelow`; off by default, see models/README.md, "Confidence"). An uncertain name in an
 * apposition ("KIWI, a red circle, appears") or a tag ("a red circle labeled KIWI") is cut out of
 * its clause; a clause whose subject is only the name is dropped.
 *
 * Names only: the same test on place phrases ("at top left") was tried and changed the fixture's
 * precision by under a point at any threshold (models/README.md, "Confidence").
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

/** One clause with its uncertain names cut out, or null when it cannot stand without one. */
function repairClause(text: string, span: Span, tokens: readonly TokenLogProb[], minLogProb: number, removed: string[]): string | null {
  let clause = text.slice(span.start, span.end).trim();
  const offset = span.start + text.slice(span.start, span.end).indexOf(clause);
  for (const m of clause.matchAll(NAME)) {
    if (NOT_NAMES.has(m[0])) continue;
    const at = offset + m.index!;
    if (lowestLogProb(tokens, at, at + m[0].length) >= minLogProb) continue;
    const apposition = new RegExp(`^${m[0]}, (an? [^,]+),`);
    const tag = new RegExp(` (?:labeled|labelled|named|called|reading) ${m[0]}\\b`);
    if (apposition.test(clause)) clause = clause.replace(apposition, '$1');
    else if (tag.test(clause)) clause = clause.replace(tag, '');
    else {
      removed.push(`clause "${text.slice(span.start, span.end).trim()}" (uncertain name ${m[0]})`);
      return null;
    }
    removed.push(`name ${m[0]}`);
  }
  return clause;
}

/** The memory without the names the model was unsure of (see above); unchanged when it was sure of all. */
export function dropUncertainNames(text: string, tokens: readonly TokenLogProb[], minLogProb: number): ConfidenceRepair {
  const removed: string[] = [];
  const sentences: string[] = [];
  for (const clauses of sentencesOf(text)) {
    const kept = clauses.map((c) => repairClause(text, c, tokens, minLogProb, removed)).filter((c): c is string => !!c);
    if (!kept.length) continue;
    const body = kept.join('; ');
    sentences.push(body[0]!.toUpperCase() + body.slice(1) + '.');
  }
  return removed.length ? { text: sentences.join(' '), removed } : { text, removed };
}

/**
 * Where a question's answer was lost: in memory (never written, or written wrong) or in answering
 * (memory held it and the answerer missed). The adapter can only move the first kind; the second
 * caps what every answer it moves into memory is worth. Reads memories with the world's grammar
 * (src/world/language.ts), so it applies to world streams, whose questions carry their meaning.
 */
import { parseMemory, type Clause } from '../world/language';
import { answerFromMemory as answerInMemoryText, UNKNOWN, type QueryMeta } from '../world/questions';

export const ANSWER_LOSSES = [
  'held, answered right',
  'held, answered wrong',
  'held, contradicted in memory',
  'label never written',
  'label written, not in the asked event',
  'label written, detail missing',
  'wrong detail in memory',
  'not held',
] as const;
export type AnswerLoss = (typeof ANSWER_LOSSES)[number];

type EventClause = Extract<Clause, { kind: 'event' }>;

/** The question kinds whose loss in memory is told apart: one named object's colour, shape or place. */
const DETAIL_KINDS = new Set<QueryMeta['kind']>(['colorOf', 'shapeOf', 'appearedAt', 'movedTo']);
/** The event a place question asks about; colour and shape are stated in any clause naming the object. */
const ASKED_VERB: Partial<Record<QueryMeta['kind'], EventClause['verb']>> = { appearedAt: 'appears', movedTo: 'moves' };

/**
 * The details memory states that could answer `meta`, one per clause. An object appears once, so
 * two places for its appearance contradict each other; it may move many times, so its moves do not.
 */
function statedDetails(meta: QueryMeta, about: EventClause[]): Set<string> {
  const details = about.map((c) => {
    if (meta.kind === 'colorOf') return c.verb === 'turns' ? c.color : c.subject.color;
    if (meta.kind === 'shapeOf') return c.subject.shape;
    if (meta.kind === 'appearedAt' && c.verb === 'appears') return c.position;
    return undefined;
  });
  return new Set(details.filter((d): d is NonNullable<typeof d> => !!d));
}

/**
 * Classifies one answerable question (`expected` is not "unknown") asked at second `t`. Of
 * `memories` only those of clips that ended by `t` are read, the ones the answerer could see;
 * `correct` is the benchmark's verdict on its answer.
 */
export function classifyAnswerLoss(memories: { t0: number; t1: number; text: string }[], meta: QueryMeta, t: number, expected: string, correct: boolean): AnswerLoss {
  const heldAnswer = answerInMemoryText(memories, meta, t);
  const label = 'label' in meta ? meta.label : undefined;
  const clauses = memories
    .filter((m) => m.t1 <= t)
    .flatMap((m) => parseMemory(m.text).clauses)
    .filter((c): c is EventClause => c.kind === 'event');
  const about = label ? clauses.filter((c) => c.subject.label === label) : [];
  if (heldAnswer === expected) {
    if (correct) return 'held, answered right';
    // A detail the memory also states otherwise leaves the answerer to choose.
    return statedDetails(meta, about).size > 1 ? 'held, contradicted in memory' : 'held, answered wrong';
  }
  if (!label || !DETAIL_KINDS.has(meta.kind)) return 'not held';
  if (!about.length) return 'label never written';
  const verb = ASKED_VERB[meta.kind];
  if (verb && !about.some((c) => c.verb === verb)) return 'label written, not in the asked event';
  return heldAnswer === UNKNOWN ? 'label written, detail missing' : 'wrong detail in memory';
}

export type AnswerLossTable = Record<string, Partial<Record<AnswerLoss, number>>>;

/** Counts per question type. */
export function tallyAnswerLosses(rows: { type: string; loss: AnswerLoss }[]): AnswerLossTable {
  const table: AnswerLossTable = {};
  for (const { type, loss } of rows) {
    const row = (table[type] ??= {});
    row[loss] = (row[loss] ?? 0) + 1;
  }
  return table;
}

/** Of the questions whose answer memory held, the share answered right. */
export function heldAnsweredRight(row: Partial<Record<AnswerLoss, number>>): { held: number; right: number } {
  const right = row['held, answered right'] ?? 0;
  return { held: right + (row['held, answered wrong'] ?? 0) + (row['held, contradicted in memory'] ?? 0), right };
}

/**
 * Which kind of detail a question asks for, inferred from its text, so the task log can tell the
 * adapter which details this user's questions need. The type ids are the benchmark's
 * (BUILTIN_QUESTION_TYPES); a question that fits none is 'other'. The rules read English the way
 * people ask about a scene ("what colour", "where", "how many", "after", "when"), not only the
 * world generator's templates.
 */
import { BUILTIN_QUESTION_TYPES } from '../eval/manifest';

export type InferredQuestionType = (typeof BUILTIN_QUESTION_TYPES)[number] | 'other';

// Checked in order: "how many red objects" is a count, not a colour question; "which object
// appeared after KIWI" is about order, not a label.
const RULES: [InferredQuestionType, RegExp][] = [
  ['count', /\bhow many\b|\bnumber of\b|\bcount\b/i],
  ['order', /\b(right |just )?(after|before)\b|\bfirst\b|\blast\b|\bwhen\b|\bwhat time\b|\border\b/i],
  ['color', /\bcolou?rs?\b/i],
  ['shape', /\bshapes?\b|\bwhat kind of (object|thing)\b/i],
  ['label', /\blabel(l?ed)?\b|\bwhat does .* say\b|\btext\b|\bcalled\b|\bnamed?\b/i],
  ['position', /\bwhere\b|\bposition\b|\bwhich (side|corner|part)\b/i],
];

export function inferQuestionType(question: string): InferredQuestionType {
  for (const [type, re] of RULES) if (re.test(question)) return type;
  return 'other';
}

/**
 * Scoring of TaskMem's streaming protocol (docs/benchmark-format.md, "Scoring"): every question is
 * answered from memory or abstained on; accuracy = correct / all, coverage = answered / all,
 * precision = correct answers / answered. Pure TypeScript, shared by the Node eval and the browser.
 */
import { UNKNOWN_ANSWER, type ManifestQuestion } from './manifest';

const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
];

/**
 * The normalized form free-form answers are compared in: lower case, dashes unified, surrounding
 * quotes and final punctuation dropped, runs of spaces collapsed, a leading article dropped and
 * number words written as digits. Labels, colours, positions and clip ranges survive unchanged, so
 * "The top left." and "top left" match while "top" and "top left" do not.
 */
export function normalizeAnswer(text: string): string {
  let t = text.toLowerCase().replace(/[\u2010-\u2015\u2212]/g, '-').trim();
  t = t.replace(/^["'`]+|["'`]+$/g, '').replace(/[.!?,;:]+$/g, '').trim();
  t = t.replace(/\s*-\s*/g, '-').replace(/\s+/g, ' ');
  t = t.replace(/^(a|an|the) /, '');
  return t
    .split(' ')
    .map((w) => {
      const n = NUMBER_WORDS.indexOf(w);
      return n >= 0 ? String(n) : w;
    })
    .join(' ');
}

export interface AnswerVerdict {
  /** The answerer said memory lacks the answer. */
  abstained: boolean;
  /** An abstention is correct exactly when the expected answer is "unknown". */
  correct: boolean;
}

/**
 * Multiple choice is scored exactly (the answer must be the expected choice, up to case and a final
 * period); free-form by equality of normalizeAnswer forms.
 */
export function judgeAnswer(question: Pick<ManifestQuestion, 'answer' | 'choices'>, answer: string, abstained: boolean): AnswerVerdict {
  const expectUnknown = question.answer.trim().toLowerCase() === UNKNOWN_ANSWER;
  if (abstained) return { abstained, correct: expectUnknown };
  if (expectUnknown) return { abstained, correct: false };
  if (question.choices?.length) {
    const exact = (s: string) => s.trim().replace(/\.$/, '').toLowerCase();
    return { abstained, correct: exact(answer) === exact(question.answer) };
  }
  return { abstained, correct: normalizeAnswer(answer) === normalizeAnswer(question.answer) };
}

export interface ScoreCell {
  questions: number;
  answered: number;
  correct: number;
  /** Correct among the answered (abstentions excluded). */
  correctAnswered: number;
}

export interface ScoreRow extends ScoreCell {
  accuracy: number;
  coverage: number;
  /** null when nothing was answered. */
  precision: number | null;
}

export interface ScoreTable {
  overall: ScoreRow;
  byType: Record<string, ScoreRow>;
}

const emptyCell = (): ScoreCell => ({ questions: 0, answered: 0, correct: 0, correctAnswered: 0 });

function row(c: ScoreCell): ScoreRow {
  return {
    ...c,
    accuracy: c.questions ? c.correct / c.questions : 0,
    coverage: c.questions ? c.answered / c.questions : 0,
    precision: c.answered ? c.correctAnswered / c.answered : null,
  };
}

export function scoreTable(results: { type: string; verdict: AnswerVerdict }[]): ScoreTable {
  const overall = emptyCell();
  const byType = new Map<string, ScoreCell>();
  for (const { type, verdict } of results) {
    for (const c of [overall, byType.get(type) ?? byType.set(type, emptyCell()).get(type)!]) {
      c.questions++;
      if (verdict.correct) c.correct++;
      if (!verdict.abstained) {
        c.answered++;
        if (verdict.correct) c.correctAnswered++;
      }
    }
  }
  return {
    overall: row(overall),
    byType: Object.fromEntries([...byType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, row(v)])),
  };
}

export interface MemoryStats {
  memories: number;
  /** Clips whose output was rejected by validation (no memory stored). */
  rejected: number;
  memoriesPerMinute: number;
  meanWords: number;
  /**
   * Share of memories whose text equals the previous memory of the same stream (after collapsing
   * spaces and case): a model stuck on one sentence scores near 1. An idle scene legitimately
   * repeats "Nothing changes.", so compare against the oracle row.
   */
  repetitionRate: number;
}

export function memoryStats(
  streams: { streamSeconds: number; memories: { text: string }[]; rejected: number }[],
): MemoryStats {
  let memories = 0, rejected = 0, seconds = 0, words = 0, repeats = 0, pairs = 0;
  for (const s of streams) {
    seconds += s.streamSeconds;
    rejected += s.rejected;
    memories += s.memories.length;
    let previous: string | undefined;
    for (const m of s.memories) {
      const text = m.text.trim().replace(/\s+/g, ' ').toLowerCase();
      words += text.split(' ').filter(Boolean).length;
      if (previous !== undefined) {
        pairs++;
        if (text === previous) repeats++;
      }
      previous = text;
    }
  }
  return {
    memories,
    rejected,
    memoriesPerMinute: seconds ? memories / (seconds / 60) : 0,
    meanWords: memories ? words / memories : 0,
    repetitionRate: pairs ? repeats / pairs : 0,
  };
}

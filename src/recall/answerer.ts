/**
 * Answers a question from episodic memory only: selects the memories that fit (all of them while
 * they fit, TaskMem-style; otherwise the most relevant), asks the model, detects abstention, and
 * cites the clips the answer rests on. Frames never reach this module.
 */
import type { WindowMemory } from '../memorize/prompt';
import type { GenerateOptions } from '../memorize/vlm';
import type { ChatMessage } from '../memorize/prompt';
import { ABSTAIN_ANSWER, answerMessages } from './answer-prompt';
import { selectAnswerContext } from './context';
import { clausePassages, selectPassages, words } from './passages';
import type { MemoryIndex, IndexableMemory } from './memory-index';

export interface AnswerGenerator {
  generate(messages: ChatMessage[], frames: [], opts?: GenerateOptions): Promise<string>;
}

export interface CitableMemory extends WindowMemory {
  streamId: string;
  clipIndex: number;
}

export interface Answer {
  text: string;
  abstained: boolean;
  citations: { streamId: string; clipIndex: number }[];
  /** The memories the model read, in time order. */
  context: CitableMemory[];
}

export interface AnswerOptions {
  choices?: string[];
  /** Only memories of clips that ended by this stream time are visible. */
  asOf?: number;
  maxContextLines?: number;
  /** What a context line is: a whole memory (default) or one clause of one (see passages.ts). */
  contextUnit?: 'memory' | 'clause';
  /** A recall index holding these memories, kept up to date by the caller; used only when memory exceeds the context. */
  index?: MemoryIndex<IndexableMemory>;
  maxNewTokens?: number;
  onToken?: (text: string) => void;
}

const ABSTAIN_PATTERNS = [/^unknown\b/i, /^i (do not|don't) know/i, /^not in (the )?memory/i, /^the memory does not say/i];

export function isAbstention(text: string): boolean {
  const t = text.trim().replace(/^["']|["'.]$/g, '');
  return !t || t.toLowerCase() === ABSTAIN_ANSWER || ABSTAIN_PATTERNS.some((p) => p.test(t));
}

function wordSet(text: string): Set<string> {
  return new Set(words(text));
}

/** Clips whose memory mentions the answer, preferring those that also mention the question's terms. */
export function citeMemories(context: CitableMemory[], question: string, answer: string): CitableMemory[] {
  const a = wordSet(answer);
  const q = wordSet(question);
  const scored = context.map((m) => {
    const w = wordSet(m.text);
    const answerHits = [...a].filter((x) => w.has(x)).length;
    const questionHits = [...q].filter((x) => w.has(x) && x.length > 2).length;
    return { m, answerHits, questionHits };
  });
  const withAnswer = scored.filter((s) => s.answerHits > 0);
  const pool = withAnswer.length ? withAnswer : scored.filter((s) => s.questionHits > 0);
  const best = Math.max(0, ...pool.map((s) => s.answerHits * 2 + s.questionHits));
  return pool.filter((s) => s.answerHits * 2 + s.questionHits === best && best > 0).map((s) => s.m).slice(0, 3);
}

export async function answerFromMemory(
  model: AnswerGenerator,
  memories: CitableMemory[],
  question: string,
  opts: AnswerOptions = {},
): Promise<Answer> {
  const visible = opts.asOf === undefined ? memories : memories.filter((m) => m.t1 <= opts.asOf!);
  const lines = opts.maxContextLines ?? 12;
  // Clause passages share their clip's key, so they are ranked by selectPassages, not the clip index.
  const context = opts.contextUnit === 'clause'
    ? selectPassages(clausePassages(visible), question, lines)
    : selectAnswerContext(visible, question, lines, { index: opts.index, asOf: opts.asOf });
  if (!context.length) return { text: ABSTAIN_ANSWER, abstained: true, citations: [], context };
  const raw = await model.generate(answerMessages({ memories: context, question, choices: opts.choices }), [], {
    maxNewTokens: opts.maxNewTokens ?? 16,
    onToken: opts.onToken,
  });
  const text = raw.trim();
  const abstained = isAbstention(text);
  // Passages of one clip cite it once.
  const cited = new Map(abstained ? [] : citeMemories(context, question, text).map(({ streamId, clipIndex }) => [`${streamId}/${clipIndex}`, { streamId, clipIndex }]));
  const citations = [...cited.values()];
  return { text: abstained ? ABSTAIN_ANSWER : text, abstained, citations, context };
}

/**
 * TaskMem's streaming protocol over one stream: clips are memorized in order, and a question asked
 * at second t is answered, from memory only, as soon as the stream reaches t, seeing only the
 * memories of clips that ended by then. Environment-free: the Node eval and the browser test plug
 * in their own memorizer and answerer.
 */
import type { ManifestQuestion } from './manifest';
import { judgeAnswer, type AnswerVerdict } from './score';

export interface ProtocolMemory {
  streamId: string;
  clipIndex: number;
  t0: number;
  t1: number;
  text: string;
}

export interface ClipWindow {
  clipIndex: number;
  t0: number;
  t1: number;
}

export interface ProtocolAnswer {
  text: string;
  abstained: boolean;
  citations: { streamId: string; clipIndex: number }[];
}

export interface ProtocolHooks {
  /** Writes the memory of one clip, or null when the clip was rejected. */
  memorize(clip: ClipWindow, memorySoFar: readonly ProtocolMemory[]): Promise<ProtocolMemory | null>;
  /** Answers from memory; `visible` already holds only clips that ended by `question.t`. */
  answer(question: ManifestQuestion, visible: readonly ProtocolMemory[]): Promise<ProtocolAnswer>;
  onProgress?(event: { kind: 'clip'; clip: ClipWindow; memory: ProtocolMemory | null } | { kind: 'answer'; question: ManifestQuestion; result: QuestionResult }): void;
}

export interface QuestionResult {
  id: string;
  type: string;
  t: number;
  question: string;
  expected: string;
  answer: string;
  citations: ProtocolAnswer['citations'];
  verdict: AnswerVerdict;
  /** How many memories the answerer could see. */
  visibleMemories: number;
  answerSeconds: number;
}

export interface StreamRun {
  memories: ProtocolMemory[];
  rejectedClips: number[];
  results: QuestionResult[];
  clips: number;
  streamSeconds: number;
  memorizeSeconds: number;
  answerSeconds: number;
}

/** The clips a stream of this length is cut into; a partial clip at the end is not memorized. */
export function clipWindows(durationSeconds: number, clipSeconds: number): ClipWindow[] {
  const n = Math.floor(durationSeconds / clipSeconds + 1e-9);
  return Array.from({ length: n }, (_, c) => ({ clipIndex: c, t0: c * clipSeconds, t1: (c + 1) * clipSeconds }));
}

const now = () => (globalThis.performance ?? Date).now();

export async function runStream(
  stream: { id: string; durationSeconds: number; clipSeconds: number; questions: ManifestQuestion[] },
  hooks: ProtocolHooks,
): Promise<StreamRun> {
  const clips = clipWindows(stream.durationSeconds, stream.clipSeconds);
  const questions = [...stream.questions].sort((a, b) => a.t - b.t);
  const memories: ProtocolMemory[] = [];
  const rejectedClips: number[] = [];
  const results: QuestionResult[] = [];
  let memorizeSeconds = 0;
  let answerSeconds = 0;
  let next = 0;

  const answerUpTo = async (limit: number) => {
    // Questions asked before the stream reaches `limit` cannot see the clip that ends there.
    while (next < questions.length && questions[next]!.t < limit) {
      const q = questions[next++]!;
      const visible = memories.filter((m) => m.t1 <= q.t);
      const started = now();
      const a = await hooks.answer(q, visible);
      const seconds = (now() - started) / 1000;
      answerSeconds += seconds;
      const result: QuestionResult = {
        id: q.id, type: q.type, t: q.t, question: q.question, expected: q.answer, answer: a.text,
        citations: a.citations, verdict: judgeAnswer(q, a.text, a.abstained), visibleMemories: visible.length, answerSeconds: seconds,
      };
      results.push(result);
      hooks.onProgress?.({ kind: 'answer', question: q, result });
    }
  };

  for (const clip of clips) {
    await answerUpTo(clip.t1);
    const started = now();
    const memory = await hooks.memorize(clip, memories);
    memorizeSeconds += (now() - started) / 1000;
    if (memory) memories.push(memory);
    else rejectedClips.push(clip.clipIndex);
    hooks.onProgress?.({ kind: 'clip', clip, memory });
  }
  await answerUpTo(Infinity);
  return {
    memories, rejectedClips, results, clips: clips.length,
    streamSeconds: clips.length * stream.clipSeconds, memorizeSeconds, answerSeconds,
  };
}

/**
 * The answering prompt: answers come from episodic memory only, never from frames. The model is
 * asked to say `unknown` when memory lacks the answer, which is how abstention is detected.
 */
import { formatMemoryLine, type ChatMessage, type WindowMemory } from '../memorize/prompt';

export const ANSWER_SYSTEM =
  'Answer the question from the memory only. Reply with a short answer, or unknown if the memory does not say.';

export const ABSTAIN_ANSWER = 'unknown';

export function answerMessages(opts: { memories: WindowMemory[]; question: string; choices?: string[] }): ChatMessage[] {
  const memory = opts.memories.length ? opts.memories.map(formatMemoryLine).join('\n') : 'none';
  let user = `Memory:\n${memory}\nQuestion: ${opts.question}`;
  if (opts.choices?.length) user += `\nChoices: ${opts.choices.join(', ')}`;
  return [
    { role: 'system', content: ANSWER_SYSTEM },
    { role: 'user', content: user },
  ];
}

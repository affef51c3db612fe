/**
 * What a typed question may be. Chat input is untrusted and can be anything a paste or a script
 * puts in the box: it is cleaned (control characters and bidirectional overrides removed, broken
 * surrogates replaced, NFC, whitespace collapsed) and refused with a message when it is empty or
 * longer than MAX_QUESTION_CHARS. A refused question is neither asked nor stored.
 */

/** Longest question the agent takes, in characters after cleaning (the chat box also stops there). */
export const MAX_QUESTION_CHARS = 2000;

export type QuestionCheck = { ok: true; question: string } | { ok: false; message: string };

// C0 and C1 controls (tab and newline become spaces below), and the invisible bidi overrides and
// isolates that can make text display in another order than it reads; ordinary RTL letters stay.
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function checkQuestion(raw: unknown): QuestionCheck {
  if (typeof raw !== 'string') return { ok: false, message: 'Type a question first.' };
  // Far too long to be a question: refuse before cleaning a megabyte of text.
  if (raw.length > MAX_QUESTION_CHARS * 8) return tooLong(raw.length);
  const question = raw.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROLS, '').normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!question) return { ok: false, message: raw.trim() ? 'That question has no words in it (only invisible or control characters); nothing was asked.' : 'Type a question first.' };
  if (question.length > MAX_QUESTION_CHARS) return tooLong(question.length);
  return { ok: true, question };
}

function tooLong(n: number): QuestionCheck {
  return { ok: false, message: `That question is too long (${n.toLocaleString('en')} characters; ${MAX_QUESTION_CHARS} at most). Nothing was asked or stored.` };
}

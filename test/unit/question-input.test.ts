import { describe, expect, it } from 'vitest';
import { checkQuestion, MAX_QUESTION_CHARS } from '../../src/recall/question-input';

describe('chat input', () => {
  it('refuses empty, invisible-only and oversized questions with a message', () => {
    for (const q of ['', '   ', '\n\t', undefined, null, 42]) expect(checkQuestion(q)).toEqual({ ok: false, message: 'Type a question first.' });
    expect(checkQuestion('\u0000\u0007\u202E\u2066')).toMatchObject({ ok: false, message: expect.stringMatching(/no words/) });
    const mb = 'a'.repeat(1024 * 1024);
    expect(checkQuestion(mb)).toMatchObject({ ok: false, message: expect.stringMatching(/too long \(1,048,576 characters; 2000 at most\)\. Nothing was asked or stored\./) });
    expect(checkQuestion('b'.repeat(MAX_QUESTION_CHARS + 1))).toMatchObject({ ok: false, message: expect.stringMatching(/too long \(2,001/) });
    expect(checkQuestion('c'.repeat(MAX_QUESTION_CHARS))).toMatchObject({ ok: true });
  });

  it('keeps what a question says in any script, and drops what it cannot display safely', () => {
    expect(checkQuestion('  What colour is KIWI?  ')).toEqual({ ok: true, question: 'What colour is KIWI?' });
    expect(checkQuestion('ما لون KIWI؟ 🦊')).toEqual({ ok: true, question: 'ما لون KIWI؟ 🦊' });
    expect(checkQuestion('<script>alert(1)</script>')).toEqual({ ok: true, question: '<script>alert(1)</script>' });
    expect(checkQuestion('where\u0000 did\u202E KIWI\r\n\tgo?')).toEqual({ ok: true, question: 'where did KIWI go?' });
    expect(checkQuestion('bad \ud800 half')).toEqual({ ok: true, question: 'bad \uFFFD half' });
    expect(checkQuestion('e\u0301')).toEqual({ ok: true, question: '\u00e9' });
  });
});

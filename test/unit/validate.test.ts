import { describe, expect, it } from 'vitest';
import { validateMemory } from '../../src/memorize/validate';

describe('memory format validation and repair', () => {
  it('accepts a good memory unchanged', () => {
    const v = validateMemory('A red circle labeled KIWI appears at top left.', []);
    expect(v).toEqual({ ok: true, text: 'A red circle labeled KIWI appears at top left.', repairs: [] });
  });

  it('rejects empty output and output without words', () => {
    expect(validateMemory('', [])).toMatchObject({ ok: false, reason: 'empty' });
    expect(validateMemory('  <|im_end|> ', [])).toMatchObject({ ok: false, reason: 'empty' });
    expect(validateMemory('... ;;; !!', [])).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('rejects a copy of a recent memory but allows a repeated "nothing changes"', () => {
    const prev = 'KIWI moves to center; BOLT leaves.';
    expect(validateMemory('KIWI moves to center; BOLT leaves.', [prev])).toMatchObject({ ok: false, reason: 'repeated' });
    expect(validateMemory('Nothing changes.', ['Nothing changes.'])).toMatchObject({ ok: true });
  });

  it('rejects looping output', () => {
    expect(validateMemory('red red red red red red red red', [])).toMatchObject({ ok: false, reason: 'degenerate' });
    expect(validateMemory('KIWI moves KIWI moves KIWI moves KIWI moves KIWI moves', [])).toMatchObject({ ok: false, reason: 'degenerate' });
  });

  it('repairs repeated clauses, extra sentences, missing end punctuation and special tokens', () => {
    const v = validateMemory('memory: KIWI appears; KIWI appears. BOLT leaves. ZED turns red. OAK stays<|im_end|>', []);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.text).toBe('KIWI appears. BOLT leaves.');
    expect(v.repairs.join(',')).toMatch(/repeated clause/);
    const open = validateMemory('a blue square moves to top', []);
    expect(open).toMatchObject({ ok: true, text: 'A blue square moves to top.' });
  });

  it('cuts memories over the word budget', () => {
    const long = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const v = validateMemory(long, []);
    expect(v.ok && v.text.split(' ').length).toBe(40);
  });
});

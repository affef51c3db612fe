/**
 * Names the model was unsure of leave the memory; the rest of the sentence stays and stays
 * grammatical, and a memory the model was sure of is returned untouched.
 */
import { describe, expect, it } from 'vitest';
import { dropUncertain, isName, lowestLogProb } from '../../src/memorize/confidence';
import type { TokenLogProb } from '../../src/memorize/vlm';

/** One token per word (with its leading space) and per punctuation mark; `unsure` words get that log-probability. */
function tokensOf(text: string, unsure: Record<string, number> = {}): TokenLogProb[] {
  const tokens: TokenLogProb[] = [];
  for (const m of text.matchAll(/ ?[A-Za-z0-9]+|[.,;]/g)) tokens.push({ end: m.index! + m[0].length, logProb: unsure[m[0].trim()] ?? -0.01 });
  return tokens;
}

const T = -1;

describe('dropUncertain: names', () => {
  const names = (t: number) => ({ names: t, details: null });

  it('returns a memory the model was sure of unchanged', () => {
    const text = 'KIWI, a small red circle, appears at left; a blue square labeled ZAP leaves. Nothing else changes.';
    expect(dropUncertain(text, tokensOf(text), names(T))).toEqual({ text, removed: [] });
  });

  it('cuts an uncertain name out of an apposition or a tag and keeps what else the clause says', () => {
    const text = 'KIWI, a small red circle, appears at left; a blue square labeled ZAP leaves from top.';
    const r = dropUncertain(text, tokensOf(text, { KIWI: -2.3, ZAP: -1.2 }), names(T));
    expect(r.text).toBe('A small red circle appears at left; a blue square leaves from top.');
    expect(r.removed).toEqual(['name KIWI', 'name ZAP']);
  });

  it('drops a clause whose subject is only the uncertain name, and a sentence left empty', () => {
    const text = 'PLUM appears at center; a red ring labeled OAK moves to right. TUSK leaves.';
    const r = dropUncertain(text, tokensOf(text, { PLUM: -3, TUSK: -1.01 }), names(T));
    expect(r.text).toBe('A red ring labeled OAK moves to right.');
    expect(r.removed).toEqual(['clause "PLUM appears at center" (uncertain name PLUM)', 'clause "TUSK leaves" (uncertain name TUSK)']);
  });

  it('judges a name by its least likely token, and never takes the article "A" for a name', () => {
    const text = 'A cross labeled R2 appears.';
    // "R2" as two tokens, " R" sure and "2" not
    const tokens: TokenLogProb[] = [
      { end: 1, logProb: -5 }, { end: 7, logProb: -0.1 }, { end: 15, logProb: -0.1 },
      { end: 17, logProb: -0.1 }, { end: 18, logProb: -1.5 }, { end: 26, logProb: -0.1 }, { end: 27, logProb: -0.1 },
    ];
    expect(lowestLogProb(tokens, 16, 18)).toBe(-1.5);
    expect(dropUncertain(text, tokens, names(T)).text).toBe('A cross appears.');
    expect(dropUncertain(text, tokens, names(-2)).text).toBe(text);
  });

  it('returns empty text when every clause depended on an uncertain name', () => {
    const text = 'ZED appears.';
    expect(dropUncertain(text, tokensOf(text, { ZED: -4 }), names(T)).text).toBe('');
  });

  it('reads names as upper-case words of 1-4 letters and digits', () => {
    expect(['KIWI', 'R2', 'T42', 'X'].every(isName)).toBe(true);
    expect(['A', 'I', 'Kiwi', 'KIWIS', '42', 'red'].some(isName)).toBe(false);
  });
});

describe('dropUncertain: places and colour changes', () => {
  const details = (t: number) => ({ names: null, details: t });

  it('cuts an uncertain place after "at" or "from" and keeps the rest of the clause', () => {
    const text = 'KIWI appears at top left; a red ring moves from bottom to center. OAK leaves from right.';
    // "left" of "top left" is the unsure token: a place is judged by its least likely word
    const tokens = tokensOf(text, { left: -0.9, bottom: -0.7 });
    const r = dropUncertain(text, tokens, details(-0.5));
    expect(r.text).toBe('KIWI appears; a red ring moves to center. OAK leaves from right.');
    expect(r.removed).toEqual(['place "at top left"', 'place "from bottom"']);
    expect(dropUncertain(text, tokens, details(-1)).text).toBe(text);
  });

  it('keeps the destination of a move even when it is unsure of it', () => {
    const text = 'A red ring moves from left to center.';
    expect(dropUncertain(text, tokensOf(text, { center: -3 }), details(-0.5)).text).toBe(text);
  });

  it('drops a clause whose new colour is uncertain, and only that clause', () => {
    const text = 'BEAN, a small green square, turns blue; LYNX leaves from left. ZAP turns red.';
    const r = dropUncertain(text, tokensOf(text, { blue: -1.2 }), details(-0.5));
    expect(r.text).toBe('LYNX leaves from left. ZAP turns red.');
    expect(r.removed).toEqual(['clause "BEAN, a small green square, turns blue" (uncertain colour blue)']);
  });

  it('does not judge the colour of the subject, or a turn of direction, as a colour change', () => {
    const text = 'A blue square appears at center.';
    expect(dropUncertain(text, tokensOf(text, { blue: -3 }), details(-0.5)).text).toBe(text);
    const turn = 'The red car turns left.';
    expect(dropUncertain(turn, tokensOf(turn, { left: -3 }), details(-0.5)).text).toBe(turn);
  });

  it('applies names and details together, each with its own threshold', () => {
    const text = 'KIWI, a red circle, appears at left; PLUM turns white.';
    const r = dropUncertain(text, tokensOf(text, { KIWI: -2, left: -0.8, white: -0.2 }), { names: -1, details: -0.5 });
    expect(r.text).toBe('A red circle appears; PLUM turns white.');
    expect(r.removed).toEqual(['place "at left"', 'name KIWI']);
  });

  it('leaves names alone when only details are limited', () => {
    const text = 'ZED appears at top.';
    expect(dropUncertain(text, tokensOf(text, { ZED: -5 }), details(-0.5)).text).toBe(text);
  });
});

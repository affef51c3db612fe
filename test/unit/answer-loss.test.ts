import { describe, expect, it } from 'vitest';
import { classifyAnswerLoss, heldAnsweredRight, tallyAnswerLosses } from '../../src/eval/answer-loss';

const at = (t0: number, text: string) => ({ t0, t1: t0 + 10, text });

describe('classifyAnswerLoss', () => {
  it('tells an answer memory held from one it never wrote, by what is missing', () => {
    const colourOfPike = { kind: 'colorOf', label: 'PIKE' } as const;
    const held = [at(0, 'PIKE, a small green diamond, appears at right.')];
    expect(classifyAnswerLoss(held, colourOfPike, 20, 'green', true)).toBe('held, answered right');
    expect(classifyAnswerLoss(held, colourOfPike, 20, 'green', false)).toBe('held, answered wrong');
    // The answer is only what memory held by the time of the question.
    expect(classifyAnswerLoss(held, colourOfPike, 5, 'green', false)).toBe('label never written');
    expect(classifyAnswerLoss([at(0, 'A small green diamond appears at right.')], colourOfPike, 20, 'green', false)).toBe('label never written');
    expect(classifyAnswerLoss([at(0, 'PIKE, a small diamond, appears at right.')], colourOfPike, 20, 'green', false)).toBe('label written, detail missing');
    expect(classifyAnswerLoss([at(0, 'PIKE, a small red diamond, appears at right.')], colourOfPike, 20, 'green', false)).toBe('wrong detail in memory');
  });

  it('says a held answer was contradicted when memory also states another colour for the object', () => {
    const memories = [at(0, 'PIKE, a small pink diamond, appears at right.'), at(10, 'A small green diamond labeled PIKE leaves from right.')];
    // The reader takes the latest statement (green), the answerer may take the first.
    expect(classifyAnswerLoss(memories, { kind: 'colorOf', label: 'PIKE' }, 30, 'green', false)).toBe('held, contradicted in memory');
  });

  it('asks a place question for the clause of the asked event, and lets an object move more than once', () => {
    const appeared = { kind: 'appearedAt', label: 'OAK' } as const;
    const unlabelledAppearance = [at(0, 'A small white square appears at top right.'), at(10, 'OAK, a small white square, stays.')];
    expect(classifyAnswerLoss(unlabelledAppearance, appeared, 30, 'top right', false)).toBe('label written, not in the asked event');
    expect(classifyAnswerLoss([at(0, 'OAK, a small white square, appears.')], appeared, 30, 'top right', false)).toBe('label written, detail missing');
    const moves = [at(0, 'OAK, a small square, moves to left.'), at(10, 'OAK, a small square, moves to top.')];
    expect(classifyAnswerLoss(moves, { kind: 'movedTo', label: 'OAK' }, 30, 'top', false)).toBe('held, answered wrong');
  });

  it('does not tell apart what memory lacks for counts and order', () => {
    expect(classifyAnswerLoss([at(0, 'Nothing changes.')], { kind: 'after', label: 'OAK' }, 30, 'PIKE', false)).toBe('not held');
  });
});

describe('tallyAnswerLosses', () => {
  it('counts per type and gives the share of held answers answered right', () => {
    const table = tallyAnswerLosses([
      { type: 'color', loss: 'held, answered right' },
      { type: 'color', loss: 'held, answered right' },
      { type: 'color', loss: 'held, contradicted in memory' },
      { type: 'color', loss: 'label never written' },
      { type: 'shape', loss: 'held, answered wrong' },
    ]);
    expect(table.color).toEqual({ 'held, answered right': 2, 'held, contradicted in memory': 1, 'label never written': 1 });
    expect(heldAnsweredRight(table.color!)).toEqual({ held: 3, right: 2 });
    expect(heldAnsweredRight(table.shape!)).toEqual({ held: 1, right: 0 });
  });
});

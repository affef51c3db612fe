import { describe, expect, it } from 'vitest';
import { inferQuestionType } from '../../src/recall/question-type';
import { simulateWorld } from '../../src/world/simulate';
import { generateQuestions } from '../../src/world/questions';
import { QUESTION_TYPES } from '../../src/world/types';

describe('inferQuestionType', () => {
  it("recovers the type of every question the world generator asks", () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 15; seed++) {
      const log = simulateWorld({ seed, durationSeconds: 180 });
      for (const focus of [undefined, ...QUESTION_TYPES]) {
        for (const q of generateQuestions(log, { seed, clipSeconds: 10, focus })) {
          expect(inferQuestionType(q.question), q.question).toBe(q.type);
          seen.add(q.type);
        }
      }
    }
    expect([...seen].sort()).toEqual([...QUESTION_TYPES].sort());
  });

  it('reads questions phrased by people', () => {
    expect(inferQuestionType('what colour was the ball?')).toBe('color');
    expect(inferQuestionType('How many people came in?')).toBe('count');
    expect(inferQuestionType('Where did I leave my keys?')).toBe('position');
    expect(inferQuestionType('What does the sign say?')).toBe('label');
    expect(inferQuestionType('What happened after the meeting started?')).toBe('order');
    expect(inferQuestionType('Is it raining?')).toBe('other');
  });
});

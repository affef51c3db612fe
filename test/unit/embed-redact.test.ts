/** What a host page learns from the agent's events, with and without the user's permission. */
import { describe, expect, it } from 'vitest';
import { hostEventDetail } from '../../src/embed/redact';

const memory = {
  streamId: 'demo-abc', clipIndex: 3, t0: 30, t1: 40, text: 'red ball enters left.', modelId: 'm', adapterVersion: 2,
  createdAt: 1, thumbnail: { size: 100 }, embedding: [0.1, 0.2],
};
const answer = { question: 'What color is BALL?', answer: 'red [clip 3]', abstained: false, citations: [{ streamId: 'demo-abc', clipIndex: 3, extra: 'x' }] };

describe('host event details', () => {
  it('give ids, clip times and counts only while text is not shared', () => {
    expect(hostEventDetail('taskmem-memory', memory, { textShared: false, memoryCount: 4 })).toEqual({
      streamId: 'demo-abc', clipIndex: 3, t0: 30, t1: 40, adapterVersion: 2, memoryCount: 4, textShared: false,
    });
    expect(hostEventDetail('taskmem-answer', answer, { textShared: false, memoryCount: 4 })).toEqual({
      abstained: false, citations: [{ streamId: 'demo-abc', clipIndex: 3 }], textShared: false,
    });
  });

  it('add the memory text, question and answer once the user shares text, never thumbnails', () => {
    const m = hostEventDetail('taskmem-memory', memory, { textShared: true, memoryCount: 4 });
    expect(m).toMatchObject({ text: 'red ball enters left.', textShared: true });
    expect(m).not.toHaveProperty('thumbnail');
    expect(m).not.toHaveProperty('embedding');
    expect(hostEventDetail('taskmem-answer', answer, { textShared: true, memoryCount: 4 })).toMatchObject({ question: 'What color is BALL?', answer: 'red [clip 3]' });
  });

  it('pass adapter numbers and ids, and errors without quoted names unless shared', () => {
    const adapter = { version: 2, metrics: { loss: 0.4, note: 'x' }, trainedOn: { taskIds: [1, 2], memoryKeys: [['demo-abc', 3]] }, vector: [1, 2] };
    expect(hostEventDetail('taskmem-adapter', adapter, { textShared: false, memoryCount: 0 })).toEqual({
      version: 2, metrics: { loss: 0.4 }, trainedOn: { taskIds: [1, 2], memoryKeys: [['demo-abc', 3]] }, textShared: false,
    });
    const error = { message: '"holiday.mov" is not a video this browser can play.' };
    expect(hostEventDetail('taskmem-error', error, { textShared: false, memoryCount: 0 }).message).toBe('"…" is not a video this browser can play.');
    expect(hostEventDetail('taskmem-error', error, { textShared: true, memoryCount: 0 }).message).toBe(error.message);
  });
});

import { describe, expect, it } from 'vitest';
import { answerFromMemory, citeMemories, isAbstention, type CitableMemory } from '../../src/recall/answerer';
import { selectAnswerContext, timeRangeOf } from '../../src/recall/context';
import { clausePassages } from '../../src/recall/passages';
import type { ChatMessage } from '../../src/memorize/prompt';

const mem = (i: number, text: string): CitableMemory => ({ streamId: 's', clipIndex: i, t0: i * 10, t1: i * 10 + 10, text });
const memories = [
  mem(0, 'A red circle labeled KIWI appears at top left.'),
  mem(1, 'BOLT, a blue square, appears at center.'),
  mem(2, 'KIWI moves to right.'),
  mem(3, 'Nothing changes.'),
];

class Scripted {
  seen: ChatMessage[][] = [];
  constructor(private readonly reply: string) {}
  async generate(messages: ChatMessage[]) {
    this.seen.push(messages);
    return this.reply;
  }
}

describe('answering from memory', () => {
  it('gives the model memory text only and cites the clip that supports the answer', async () => {
    const model = new Scripted('red');
    const a = await answerFromMemory(model, memories, 'What color is KIWI?');
    expect(a).toMatchObject({ text: 'red', abstained: false, citations: [{ streamId: 's', clipIndex: 0 }] });
    const prompt = model.seen[0][1].content as string;
    expect(prompt).toContain('[0:00-0:10] A red circle labeled KIWI appears at top left.');
    expect(prompt).toContain('Question: What color is KIWI?');
  });

  it('sees only memories of clips that ended by the question time', async () => {
    const model = new Scripted('unknown');
    await answerFromMemory(model, memories, 'Where did KIWI move to?', { asOf: 20 });
    expect(model.seen[0][1].content as string).not.toContain('KIWI moves to right');
  });

  it('detects abstention and cites nothing; no memory at all abstains without asking the model', async () => {
    const a = await answerFromMemory(new Scripted('unknown'), memories, 'What shape is ZED?');
    expect(a).toMatchObject({ abstained: true, citations: [] });
    const model = new Scripted('red');
    expect(await answerFromMemory(model, [], 'What color is KIWI?')).toMatchObject({ abstained: true });
    expect(model.seen).toHaveLength(0);
    expect(isAbstention("I don't know.")).toBe(true);
    expect(isAbstention('blue')).toBe(false);
  });

  it('cites by answer words first, then question words', () => {
    expect(citeMemories(memories, 'Which object appeared right after KIWI?', 'BOLT').map((m) => m.clipIndex)).toEqual([1]);
    expect(citeMemories(memories, 'Where did KIWI move to?', 'right').map((m) => m.clipIndex)).toEqual([2]);
  });

  it('keeps all memory while it fits and retrieves relevant and in-range lines beyond', () => {
    const many = Array.from({ length: 30 }, (_, i) => mem(i, i === 3 ? 'ZED, a green ring, appears.' : `Filler ${i} stays.`));
    expect(selectAnswerContext(many.slice(0, 10), 'q', 12)).toHaveLength(10);
    const ctx = selectAnswerContext(many, 'What color is ZED?', 12);
    expect(ctx).toHaveLength(12);
    expect(ctx.map((m) => m.clipIndex)).toContain(3);
    expect(ctx.map((m) => m.t0)).toEqual([...ctx.map((m) => m.t0)].sort((a, b) => a - b));
    expect(timeRangeOf('How many objects appeared between 0:30 and 1:10?')).toEqual([30, 70]);
    const ranged = selectAnswerContext(many, 'How many objects appeared between 1:00 and 1:30?', 12);
    for (const i of [6, 7, 8]) expect(ranged.map((m) => m.clipIndex)).toContain(i);
  });

  it('cuts memories into clauses for small-context answerers, keeping each clip and citing it once', async () => {
    const passages = clausePassages([mem(4, 'A small white square labeled HAWK appears. DUNE leaves; a red ring labeled HAWK turns pink.')]);
    expect(passages.map((p) => p.text)).toEqual(['A small white square labeled HAWK appears.', 'DUNE leaves.', 'A red ring labeled HAWK turns pink.']);
    expect(passages.every((p) => p.clipIndex === 4 && p.t0 === 40)).toBe(true);
    const model = new Scripted('pink');
    const many = [...memories, mem(4, 'A small white square labeled HAWK appears. DUNE leaves; a red ring labeled HAWK turns pink.'), ...Array.from({ length: 6 }, (_, i) => mem(5 + i, `Filler ${i} stays.`))];
    const a = await answerFromMemory(model, many, 'What color is HAWK?', { maxContextLines: 3, contextUnit: 'clause' });
    const prompt = model.seen[0][1].content as string;
    expect(prompt).toContain('[0:40-0:50] A red ring labeled HAWK turns pink.');
    expect(prompt).not.toContain('DUNE');
    expect(a.citations).toEqual([{ streamId: 's', clipIndex: 4 }]);
  });
});

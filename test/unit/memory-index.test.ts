import { describe, expect, it } from 'vitest';
import { MemoryIndex, type IndexableMemory } from '../../src/recall/memory-index';
import { EMBED_DIM, embedText, isUsableEmbedding } from '../../src/recall/embedding';
import { mulberry32 } from '../../src/util/mulberry32';
import { selectAnswerContext } from '../../src/recall/context';
import { answerFromMemory } from '../../src/recall/answerer';
import { LexicalIndex, stem } from '../../src/recall/lexical-index';

const mem = (i: number, text: string, streamId = 's'): IndexableMemory => ({ streamId, clipIndex: i, t0: i * 10, t1: i * 10 + 10, text });
const clips = (ms: { clipIndex: number }[]) => ms.map((m) => m.clipIndex);

const memories = [
  mem(0, 'A red circle labeled KIWI appears at top left.'),
  mem(1, 'BOLT, a blue square, appears at center.'),
  mem(2, 'KIWI moves to the right edge.'),
  mem(3, 'Nothing changes.'),
  mem(4, 'A green triangle labeled ZED appears at bottom right.'),
  mem(5, 'ZED and BOLT leave the scene.'),
];

describe('text embeddings', () => {
  it('are unit length, deterministic, and closer for texts that share words and spelling', () => {
    const a = embedText('A red circle labeled KIWI');
    expect(a).toHaveLength(EMBED_DIM);
    expect(isUsableEmbedding(a)).toBe(true);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(embedText('A red circle labeled KIWI')).toEqual(a);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(a, embedText('the red circles labelled KIWI'))).toBeGreaterThan(dot(a, embedText('BOLT, a blue square, leaves')));
    expect(Array.from(embedText('!!! ...'))).toEqual(new Array(EMBED_DIM).fill(0));
    expect(isUsableEmbedding(Float32Array.from([1, 0]))).toBe(false);
    expect(isUsableEmbedding(new Float32Array(EMBED_DIM).fill(NaN))).toBe(false);
  });
});

describe('lexical index', () => {
  it('matches inflections, ranks rarer words higher, and survives compaction after many removals', () => {
    const lex = new LexicalIndex();
    const a = lex.add('KIWI moves to the left');
    const b = lex.add('BOLT moved to the left');
    lex.add('the left the left');
    expect(lex.search('moving', 10).map((h) => h.doc).sort()).toEqual([a, b]);
    expect(lex.search('BOLT left', 10)[0].doc).toBe(b);
    const filler = Array.from({ length: 3000 }, (_, i) => lex.add(`filler ${i} stays`));
    for (const d of filler.slice(0, 2500)) lex.remove(d);
    expect(lex.size).toBe(503);
    expect(lex.search('filler', 1000)).toHaveLength(500);
    expect(lex.search('KIWI', 10).map((h) => h.doc)).toEqual([a]);
    expect(lex.search('KIWI', 10, (d) => d !== a)).toEqual([]);
    expect(stem('moves')).toBe(stem('moved'));
    expect(stem('red')).toBe('red');
    expect(['move', 'moves', 'moved', 'moving'].map(stem)).toEqual(['mov', 'mov', 'mov', 'mov']);
  });
});

describe('memory index', () => {
  it('finds memories by their words, best match first, ignoring question stop words', () => {
    const index = MemoryIndex.from(memories);
    expect(clips(index.lexical('What color is KIWI?', 10).map((h) => h.memory))).toEqual(expect.arrayContaining([0, 2]));
    expect(index.lexical('What color is KIWI?', 10)).toHaveLength(2);
    expect(index.lexical('green triangle', 10)[0].memory.clipIndex).toBe(4);
    expect(index.lexical('what is the', 10)).toEqual([]);
  });

  it('returns vector nearest neighbours, tolerant of spelling the lexical index misses', () => {
    const index = MemoryIndex.from(memories);
    expect(index.lexical('KIWII circel', 10)).toEqual([]);
    expect(index.nearest('KIWII circel', 1)[0].memory.clipIndex).toBe(0);
    expect(index.nearest('green triangle ZED bottom', 2).map((h) => h.memory.clipIndex)[0]).toBe(4);
  });

  it('approximate nearest search agrees with an exact scan on a larger memory', () => {
    const rng = mulberry32(7);
    const pick = <T,>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
    const words = ['red', 'blue', 'green', 'circle', 'square', 'star', 'KIWI', 'BOLT', 'ZED', 'MOSS', 'left', 'right', 'top', 'center', 'moves', 'appears', 'leaves', 'stays'];
    const many = Array.from({ length: 3000 }, (_, i) => mem(i, Array.from({ length: 8 }, () => pick(words)).join(' ')));
    const index = MemoryIndex.from(many);
    let agree = 0;
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: 4 }, () => pick(words)).join(' ');
      const exact = new Set(index.nearestExact(query, 10).map((h) => h.memory.clipIndex));
      agree += index.nearest(query, 10).filter((h) => exact.has(h.memory.clipIndex)).length;
    }
    expect(agree / 200).toBeGreaterThanOrEqual(0.9);
  });

  it('filters by clip time range and by the time a question is asked', () => {
    const index = MemoryIndex.from(memories);
    expect(clips(index.inRange({ range: [15, 35] }))).toEqual([1, 2, 3]);
    expect(clips(index.inRange({ range: [15, 35], asOf: 30 }))).toEqual([1, 2]);
    expect(clips(index.lexical('KIWI', 10, { range: [20, 60] }).map((h) => h.memory))).toEqual([2]);
    expect(clips(index.lexical('KIWI', 10, { asOf: 10 }).map((h) => h.memory))).toEqual([0]);
    expect(clips(index.nearest('KIWI', 10, { range: [40, 60] }).map((h) => h.memory)).sort()).toEqual([4, 5]);
    const long: IndexableMemory = { streamId: 's', clipIndex: 99, t0: 0, t1: 1000, text: 'a long clip' };
    index.add(long);
    expect(clips(index.inRange({ range: [500, 510] }))).toEqual([99]);
  });

  it('builds the same index in chunks as at once', async () => {
    const many = Array.from({ length: 700 }, (_, i) => mem(i, `${['KIWI', 'BOLT', 'ZED'][i % 3]} moves to ${['left', 'right'][i % 2]} ${i}`));
    const whole = MemoryIndex.from(many);
    const chunked = await MemoryIndex.fromInChunks(many, 64);
    expect(chunked.size).toBe(700);
    for (const q of ['BOLT left', 'ZED right 17'])
      for (const f of [(ix: MemoryIndex) => ix.lexical(q, 10), (ix: MemoryIndex) => ix.nearest(q, 10), (ix: MemoryIndex) => ix.lexical(q, 10, { range: [100, 400] })])
        expect(clips(f(chunked).map((h) => h.memory))).toEqual(clips(f(whole).map((h) => h.memory)));
  });

  it('forgets removed memories everywhere and replaces a rewritten clip', () => {
    const index = MemoryIndex.from(memories);
    expect(index.remove({ streamId: 's', clipIndex: 0 })).toBe(true);
    expect(index.remove({ streamId: 's', clipIndex: 0 })).toBe(false);
    expect(index.size).toBe(5);
    expect(clips(index.lexical('KIWI', 10).map((h) => h.memory))).toEqual([2]);
    expect(clips(index.nearest('red circle KIWI top left', 10).map((h) => h.memory))).not.toContain(0);
    expect(clips(index.inRange({ range: [0, 10] }))).toEqual([]);
    index.add(mem(2, 'MOSS sits still.'));
    expect(index.size).toBe(5);
    expect(index.lexical('KIWI', 10)).toEqual([]);
    expect(clips(index.lexical('MOSS', 10).map((h) => h.memory))).toEqual([2]);
    expect(index.has({ streamId: 'other', clipIndex: 2 })).toBe(false);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.nearest('MOSS', 3)).toEqual([]);
  });

  it('uses a stored embedding when it is usable and computes one when it is not', () => {
    const stored = embedText('unrelated words entirely');
    const index = MemoryIndex.from([{ ...mem(0, 'KIWI'), embedding: stored }, { ...mem(1, 'BOLT'), embedding: Float32Array.from([1, 2]) }]);
    expect(index.nearest(stored, 1)[0].memory.clipIndex).toBe(0);
    expect(index.nearest('BOLT', 1)[0].memory.clipIndex).toBe(1);
  });
});

describe('answer context from the index', () => {
  const many = Array.from({ length: 200 }, (_, i) => mem(i, i === 42 ? 'ZED, a green ring, appears at top.' : i === 150 ? 'ZED turns blue.' : `Filler ${i} stays at left.`));

  it('gives the same lines with a standing index as with a throwaway one, relevant and in-range clips included', () => {
    const index = MemoryIndex.from(many);
    for (const q of ['What color is ZED?', 'How many objects appeared between 5:00 and 5:30?', 'What happened?']) {
      const a = selectAnswerContext(many, q, 12);
      const b = selectAnswerContext(many, q, 12, { index });
      expect(b.map((m) => m.clipIndex)).toEqual(a.map((m) => m.clipIndex));
      expect(a).toHaveLength(12);
      expect(a.map((m) => m.t0)).toEqual([...a.map((m) => m.t0)].sort((x, y) => x - y));
    }
    expect(selectAnswerContext(many, 'What color is ZED?', 12).map((m) => m.clipIndex)).toEqual(expect.arrayContaining([42, 150]));
    expect(selectAnswerContext(many, 'How many objects appeared between 5:00 and 5:30?', 12).map((m) => m.clipIndex)).toEqual(expect.arrayContaining([30, 31, 32]));
    // No word in common: the most recent lines, as before the index.
    expect(selectAnswerContext(many, 'What happened?', 12).map((m) => m.clipIndex)).toEqual(Array.from({ length: 12 }, (_, i) => 188 + i));
  });

  it('never returns a clip that had not ended when the question was asked, even from a fuller index', () => {
    const index = MemoryIndex.from(many);
    const visible = many.filter((m) => m.t1 <= 1000);
    const ctx = selectAnswerContext(visible, 'What color is ZED?', 12, { index, asOf: 1000 });
    expect(ctx.map((m) => m.clipIndex)).toContain(42);
    expect(ctx.every((m) => m.t1 <= 1000)).toBe(true);
  });

  it('feeds the answerer the lines the index picks once memory is past the context', async () => {
    const seen: string[] = [];
    const model = { generate: async (messages: { content: unknown }[]) => (seen.push(messages[1].content as string), 'green') };
    const a = await answerFromMemory(model, many, 'What color is ZED?', { index: MemoryIndex.from(many), maxContextLines: 12 });
    expect(seen[0]).toContain('ZED, a green ring, appears at top.');
    expect(seen[0].split('\n').filter((l) => l.startsWith('['))).toHaveLength(12);
    expect(a.citations).toEqual([{ streamId: 's', clipIndex: 42 }]);
  });

  it('returns the caller\'s own objects', () => {
    const ctx = selectAnswerContext(many, 'What color is ZED?', 12);
    for (const m of ctx) expect(many).toContain(m);
  });
});

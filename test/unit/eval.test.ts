import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeAnswer, memoryStats, normalizeAnswer, scoreTable } from '../../src/eval/score';
import { clipWindows, runStream, type ProtocolMemory } from '../../src/eval/protocol';
import type { ManifestQuestion } from '../../src/eval/manifest';
import { evaluate, formatReports, halfTime, parseMemorizers, readAdapterFile } from '../../scripts/eval';
import { writeWorldStream } from '../../scripts/lib/world-files';
import { getModelSpec, FIXTURE_MODEL_ID } from '../../src/memorize/registry';
import { y4mHeader } from '../../src/world/y4m';

describe('answer matching', () => {
  it('normalizes free-form answers without merging different ones', () => {
    expect(normalizeAnswer(' The Top Left. ')).toBe('top left');
    expect(normalizeAnswer('"three"')).toBe('3');
    expect(normalizeAnswer('0:30 \u2013 0:40')).toBe('0:30-0:40');
    expect(normalizeAnswer('top')).not.toBe(normalizeAnswer('top left'));
    expect(normalizeAnswer('KIWI')).toBe('kiwi');
  });

  it('scores multiple choice exactly, free-form by normalized match, and abstention by the expected unknown', () => {
    const mc = { answer: 'top left', choices: ['top left', 'top', 'left'] };
    expect(judgeAnswer(mc, 'Top left.', false)).toEqual({ abstained: false, correct: true });
    expect(judgeAnswer(mc, 'the top left', false).correct).toBe(false); // not a choice's text
    expect(judgeAnswer({ answer: '3' }, 'three', false).correct).toBe(true);
    expect(judgeAnswer({ answer: '3' }, '4', false).correct).toBe(false);
    expect(judgeAnswer({ answer: 'unknown' }, 'unknown', true)).toEqual({ abstained: true, correct: true });
    expect(judgeAnswer({ answer: 'unknown' }, 'KIWI', false).correct).toBe(false);
    expect(judgeAnswer({ answer: 'red' }, 'unknown', true)).toEqual({ abstained: true, correct: false });
  });

  it('computes accuracy, coverage and precision overall and per type', () => {
    const t = scoreTable([
      { type: 'color', verdict: { abstained: false, correct: true } },
      { type: 'color', verdict: { abstained: false, correct: false } },
      { type: 'color', verdict: { abstained: true, correct: false } },
      { type: 'order', verdict: { abstained: true, correct: true } },
    ]);
    expect(t.overall).toMatchObject({ questions: 4, answered: 2, correct: 2, accuracy: 0.5, coverage: 0.5, precision: 0.5 });
    expect(t.byType.color).toMatchObject({ questions: 3, accuracy: 1 / 3, coverage: 2 / 3, precision: 0.5 });
    expect(t.byType.order).toMatchObject({ questions: 1, accuracy: 1, coverage: 0, precision: null });
  });

  it('reports memory statistics with repetition against the previous memory', () => {
    const s = memoryStats([
      { streamSeconds: 60, rejected: 1, memories: [{ text: 'A b.' }, { text: 'a  b.' }, { text: 'C d e.' }] },
      { streamSeconds: 60, rejected: 0, memories: [{ text: 'A b.' }] },
    ]);
    expect(s).toEqual({ memories: 4, rejected: 1, memoriesPerMinute: 2, meanWords: 9 / 4, repetitionRate: 1 / 2 });
  });
});

describe('streaming protocol', () => {
  const q = (id: string, t: number): ManifestQuestion => ({ id, t, type: 'color', question: `q${id}`, answer: 'red' });

  it('cuts whole clips only', () => {
    expect(clipWindows(35, 10).map((c) => [c.t0, c.t1])).toEqual([[0, 10], [10, 20], [20, 30]]);
  });

  it('answers each question when the stream reaches it, from memories of clips ended by then', async () => {
    const calls: string[] = [];
    const run = await runStream(
      { id: 's', durationSeconds: 30, clipSeconds: 10, questions: [q('late', 30), q('early', 5), q('mid', 19), q('edge', 20)] },
      {
        async memorize(clip) {
          calls.push(`clip${clip.clipIndex}`);
          // clip 1 is rejected: the protocol stores nothing for it
          return clip.clipIndex === 1 ? null : { streamId: 's', ...clip, text: `memory ${clip.clipIndex}` };
        },
        async answer(question, visible) {
          calls.push(`${question.id}:${visible.map((m: ProtocolMemory) => m.clipIndex).join(',')}`);
          return { text: 'red', abstained: false, citations: [] };
        },
      },
    );
    expect(calls).toEqual(['early:', 'clip0', 'mid:0', 'clip1', 'edge:0', 'clip2', 'late:0,2']);
    expect(run.rejectedClips).toEqual([1]);
    expect(run.results.map((r) => [r.id, r.visibleMemories, r.verdict.correct])).toEqual([
      ['early', 0, true], ['mid', 1, true], ['edge', 1, true], ['late', 2, true],
    ]);
  });
});

describe('npm run eval', () => {
  let dir: string;
  let manifest: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'taskmem-eval-test-'));
    manifest = (await writeWorldStream({ seed: 11, outDir: join(dir, 'w11'), minutes: 1, video: false })).manifestPath;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the three memorizers side by side with consistent scores', async () => {
    const reports = await evaluate([manifest]);
    expect(reports.map((r) => r.memorizer)).toEqual(['isolated', 'taskmem', 'oracle']);
    const questions = JSON.parse(readFileSync(manifest, 'utf8')).questions.length;
    for (const r of reports) {
      const o = r.table.overall;
      expect(o.questions).toBe(questions);
      expect(o.accuracy).toBeCloseTo(o.correct / o.questions);
      expect(r.memory.memories + r.memory.rejected).toBe(6);
      expect(r.factPrecision).toBeTypeOf('number');
      // no answer ever saw a memory of a clip that had not ended when the question was asked
      for (const res of r.streams[0]!.run.results) expect(res.visibleMemories).toBe(r.streams[0]!.run.memories.filter((m) => m.t1 <= res.t).length);
    }
    const oracle = reports[2]!;
    // the oracle is written from the ground truth, so every fact it states is true
    expect(oracle.factPrecision).toBe(1);
    expect(oracle.answerInMemory).toBeGreaterThan(0.5);
    expect(formatReports(reports)).toMatch(/\| oracle \| \d+ \|/);
  });

  it('omits ground-truth metrics and the oracle for a stream without groundTruth', async () => {
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    delete json.groundTruth;
    const foreign = join(dir, 'w11', 'foreign.json');
    writeFileSync(foreign, JSON.stringify(json));
    const reports = await evaluate([foreign], { memorizers: ['taskmem', 'oracle'] });
    expect(reports[0]!.factPrecision).toBeUndefined();
    expect(reports[0]!.answerInMemory).toBeUndefined();
    expect(reports[1]!.streams).toHaveLength(0);
    expect(reports[1]!.skipped[0]!.reason).toMatch(/no groundTruth/);
  });

  it('refuses bad input with a clear error', async () => {
    const json = JSON.parse(readFileSync(manifest, 'utf8'));
    const write = (name: string, m: object) => {
      const p = join(dir, 'w11', name);
      writeFileSync(p, JSON.stringify(m));
      return p;
    };
    const noVideo = write('no-video.json', { ...json, video: { ...json.video, path: 'missing.y4m' }, frames: undefined });
    await expect(evaluate([noVideo])).rejects.toThrow(/video file not found: .*missing\.y4m/);
    const late = write('late.json', { ...json, questions: [{ ...json.questions[0], t: 999 }] });
    await expect(evaluate([late])).rejects.toThrow(/questions\[0\]\.t: 999 is beyond video\.durationSeconds \(60\)/);
    writeFileSync(join(dir, 'w11', 'empty.y4m'), y4mHeader(192, 128, 5));
    const empty = write('empty.json', { ...json, video: { ...json.video, path: 'empty.y4m' }, frames: undefined });
    await expect(evaluate([empty], { memorizers: ['taskmem'] })).rejects.toThrow(/empty\.json: the y4m stream has no frames/);
    expect(() => parseMemorizers('captioner')).toThrow(/unknown memorizer 'captioner'/);
  });

  it('scores the second half only, with the adapter applied from the middle of the stream', async () => {
    const spec = getModelSpec(FIXTURE_MODEL_ID);
    const file = join(dir, 'half-adapter.json');
    writeFileSync(file, JSON.stringify({ vector: Array.from({ length: 128 }, (_, i) => Math.sin(i)), version: 3 }));
    expect(halfTime(60, 10)).toBe(30);
    expect(halfTime(65, 10)).toBe(40);
    const [r] = await evaluate([manifest], { memorizers: ['taskmem'], questions: 'second-half', adapter: readAdapterFile(file, spec) });
    const all = JSON.parse(readFileSync(manifest, 'utf8')).questions as { t: number }[];
    expect(r!.table.overall.questions).toBe(all.filter((q) => q.t >= 30).length);
    expect(r!.streams[0]!.run.results.every((q) => q.t >= 30)).toBe(true);
    const memories = r!.streams[0]!.run.memories as unknown as { t0: number; adapterVersion: number }[];
    expect(memories.length).toBeGreaterThan(3);
    for (const m of memories) expect(m.adapterVersion).toBe(m.t0 >= 30 ? 3 : 0);
  });

  it('checks an adapter file against the model', () => {
    const spec = getModelSpec(FIXTURE_MODEL_ID);
    const file = join(dir, 'adapter.json');
    writeFileSync(file, JSON.stringify({ vector: [1, 2, 3] }));
    expect(() => readAdapterFile(file, spec)).toThrow(/vector has 3 numbers, .* needs 128/);
    writeFileSync(file, JSON.stringify({ vector: Array(128).fill(0), layer: 3 }));
    expect(() => readAdapterFile(file, spec)).toThrow(/made for layer 3/);
    writeFileSync(file, JSON.stringify({ vector: Array(128).fill(0.5), layer: spec.steer.layer, version: 2 }));
    expect(readAdapterFile(file, spec)).toMatchObject({ version: 2 });
  });
});

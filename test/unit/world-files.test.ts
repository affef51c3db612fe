import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeWorldStream } from '../../scripts/lib/world-files';
import { loadManifest } from '../../scripts/lib/load-manifest';
import { QUESTION_TYPES } from '../../src/world/types';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'taskmem-world-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('npm run world output', () => {
  it('is byte-identical for the same seed (video, frames, events, questions)', async () => {
    const a = tmp();
    const b = tmp();
    await writeWorldStream({ seed: 9, outDir: a, minutes: 1 });
    await writeWorldStream({ seed: 9, outDir: b, minutes: 1 });
    // Buffer.equals: a deep toEqual over an 11 MB video takes a minute
    for (const f of ['events.json', 'manifest.json', 'stream.y4m']) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    const frames = readdirSync(join(a, 'frames'));
    expect(frames).toHaveLength(13);
    for (const f of frames) expect(readFileSync(join(a, 'frames', f)).equals(readFileSync(join(b, 'frames', f))), f).toBe(true);
  });

  it('writes a manifest that passes validation, with every question type', async () => {
    const d = tmp();
    await writeWorldStream({ seed: 21, outDir: d, minutes: 3, video: false });
    writeFileSync(join(d, 'stream.y4m'), '');
    const raw = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
    expect(raw.video).toEqual({ path: 'stream.y4m', fps: 5, durationSeconds: 180 });
    expect(loadManifest(join(d, 'manifest.json')).questions).toHaveLength(raw.questions.length);
    const types = new Set(raw.questions.map((q: { type: string }) => q.type));
    expect(types.size).toBeGreaterThanOrEqual(4);
    for (const t of types) expect(QUESTION_TYPES).toContain(t);
    expect(raw.questions.some((q: { answer: string }) => q.answer === 'unknown')).toBe(true);
    expect(raw.questions.some((q: { choices?: string[] }) => q.choices)).toBe(true);
    expect(raw.questions.some((q: { choices?: string[] }) => !q.choices)).toBe(true);
  });

  it('skews the question mix with --focus', async () => {
    const d = tmp();
    await writeWorldStream({ seed: 21, outDir: d, minutes: 3, video: false, focus: 'color' });
    const qs = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).questions as { type: string }[];
    expect(qs.filter((q) => q.type === 'color').length / qs.length).toBeGreaterThan(0.45);
  });
});

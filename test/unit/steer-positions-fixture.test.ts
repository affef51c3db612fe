/**
 * 'after-images' steering through the real loading path: a temporary copy of the fixture, its
 * decoder upgraded by prepare-steer, generates and scores with the images unsteered.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env } from '@huggingface/transformers';
import { MODELS_ROOT, useLocalModels } from '../../scripts/lib/node-models';
import { prepareModelDir } from '../../scripts/prepare-steer';
import { Vlm } from '../../src/memorize/vlm';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';
import { memorizeMessages } from '../../src/memorize/prompt';
import { clipFrameTimes, imageCount } from '../../src/memorize/frames';
import { simulateWorld } from '../../src/world/simulate';
import { worldFrame } from '../../src/world/render';

const spec = getModelSpec(FIXTURE_MODEL_ID);
let root: string;
let vlm: Vlm;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'taskmem-positions-'));
  cpSync(join(MODELS_ROOT, FIXTURE_MODEL_ID), join(root, FIXTURE_MODEL_ID), { recursive: true });
  expect(prepareModelDir(join(root, FIXTURE_MODEL_ID), { layer: spec.steer.layer, hidden: spec.steer.hiddenSize })).toEqual([{ file: 'decoder_model_merged.onnx', status: 'upgraded' }]);
  useLocalModels();
  env.localModelPath = `${root}/`;
  vlm = await Vlm.load(spec);
});

afterAll(async () => {
  await vlm?.dispose();
  useLocalModels();
  rmSync(root, { recursive: true, force: true });
});

describe("steering 'after-images' on the fixture", () => {
  const log = simulateWorld({ seed: 3, durationSeconds: 40 });
  const frames = clipFrameTimes(20, 30, spec.frame.perClip).map((t) => worldFrame(log, t));
  const messages = memorizeMessages({ t0: 20, t1: 30, imageCount: imageCount(frames.length, spec.frame.framesPerImage), window: [] });
  const v = Float32Array.from({ length: spec.steer.hiddenSize }, (_, i) => 2 * Math.sin(i));

  it('scores a memory as generation wrote it (what DPO needs), and differently from steering every position', async () => {
    expect(vlm.steer!.perPosition).toBe(true);
    vlm.steer!.set(v);
    vlm.steer!.positions = 'after-images';
    const scored = await vlm.generateScored(messages, frames);
    const generated = scored.tokens.reduce((s, t) => s + t.logProb, 0);
    const teacherForced = await vlm.completionLogProb(messages, frames, scored.text);
    expect(generated).toBeCloseTo(teacherForced, 3);
    vlm.steer!.positions = 'all';
    const everywhere = await vlm.completionLogProb(messages, frames, scored.text);
    expect(Math.abs(everywhere - teacherForced)).toBeGreaterThan(1e-3);
    vlm.steer!.set(null);
  });
});

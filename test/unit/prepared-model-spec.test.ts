import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS_ROOT, preparedModelSpec } from '../../scripts/lib/node-models';
import { prepareModelDir } from '../../scripts/prepare-steer';
import { FIXTURE_MODEL_ID, getModelSpec } from '../../src/memorize/registry';

const fixtureDir = join(MODELS_ROOT, FIXTURE_MODEL_ID);
const roots: string[] = [];
afterEach(() => { for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true }); });

/** A models root holding a copy of the fixture's config and decoder only. */
function copyOfFixture(): { root: string; modelDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'taskmem-prepared-spec-'));
  roots.push(root);
  const modelDir = join(root, FIXTURE_MODEL_ID);
  mkdirSync(join(modelDir, 'onnx'), { recursive: true });
  copyFileSync(join(fixtureDir, 'config.json'), join(modelDir, 'config.json'));
  copyFileSync(join(fixtureDir, 'onnx', 'decoder_model_merged.onnx'), join(modelDir, 'onnx', 'decoder_model_merged.onnx'));
  return { root, modelDir };
}

describe('preparedModelSpec: the steer layer the local decoder was prepared at', () => {
  it('is the registry spec itself when the decoder steers where the registry says', async () => {
    const warnings: string[] = [];
    const { root } = copyOfFixture();
    expect(await preparedModelSpec(FIXTURE_MODEL_ID, root, (l) => warnings.push(l))).toBe(getModelSpec(FIXTURE_MODEL_ID));
    expect(warnings).toEqual([]);
  });

  it('says and uses the layer a copy was moved to, so adapters trained on it are labelled with it', async () => {
    const warnings: string[] = [];
    const { root, modelDir } = copyOfFixture();
    const registryLayer = getModelSpec(FIXTURE_MODEL_ID).steer.layer;
    const other = registryLayer === 0 ? 2 : 0;
    expect(prepareModelDir(modelDir, { layer: other }).map((r) => r.status)).toEqual(['moved']);
    const spec = await preparedModelSpec(FIXTURE_MODEL_ID, root, (l) => warnings.push(l));
    expect(spec.steer.layer).toBe(other);
    expect(spec.steer.hiddenSize).toBe(getModelSpec(FIXTURE_MODEL_ID).steer.hiddenSize);
    expect(getModelSpec(FIXTURE_MODEL_ID).steer.layer).toBe(registryLayer); // the registry is untouched
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`after layer ${other}, the registry says ${registryLayer}`);
  });

  it('refuses decoder variants prepared at different layers', async () => {
    const { root, modelDir } = copyOfFixture();
    copyFileSync(join(modelDir, 'onnx', 'decoder_model_merged.onnx'), join(modelDir, 'onnx', 'decoder_model_merged_fp16.onnx'));
    prepareModelDir(modelDir, { layer: 0 });
    // both moved to 0: consistent again
    expect((await preparedModelSpec(FIXTURE_MODEL_ID, root, () => {})).steer.layer).toBe(0);
    copyFileSync(join(fixtureDir, 'onnx', 'decoder_model_merged.onnx'), join(modelDir, 'onnx', 'decoder_model_merged_fp16.onnx'));
    await expect(preparedModelSpec(FIXTURE_MODEL_ID, root, () => {})).rejects.toThrow(/different layers \(layer 0: decoder_model_merged\.onnx; layer 1: decoder_model_merged_fp16\.onnx\)/);
  });
});

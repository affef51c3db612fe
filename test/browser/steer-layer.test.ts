/**
 * The app keeps and applies adapters for the layer the loaded decoder steers after, read from the
 * decoder file's metadata in the worker, not the layer the registry names: a checkpoint prepared
 * with `npm run prepare-steer -- DIR --layer L` gets layer L's versions, and a vector trained for
 * one layer is never applied after another. The decoder moved to another layer is served in place
 * of the committed one through a Playwright route.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devServerForFile } from './chromium';
import { agent, openApp, withBrowser } from './fault-page';
import type { AgentController } from '../../src/agent/controller';
import { MODELS_ROOT } from '../../scripts/lib/node-models';
import { FIXTURE_MODEL_ID as M, getModelSpec } from '../../src/memorize/registry';
import { prepareDecoder } from '../../src/adapter/steer-graph';
import { sampleExport } from '../fuzz/sample-export';

type Agent = HTMLElement & { controller: AgentController };

const dev = devServerForFile();

const REGISTRY_LAYER = getModelSpec(M).steer.layer;
const MOVED_LAYER = REGISTRY_LAYER + 1;
const decoder = readFileSync(join(MODELS_ROOT, M, 'onnx', 'decoder_model_merged.onnx'));

/** An export holding versions 1 and 2 for the registry's layer and version 1 for the moved one, each vector distinct. */
function exportWithTwoLayers(): string {
  const file = sampleExport();
  const [template] = file.adapters;
  const vector = (scale: number) => Array.from({ length: 128 }, (_, i) => scale * (((i % 5) - 2) / 10));
  file.adapters = [
    { ...template!, layer: REGISTRY_LAYER, version: 1, vector: vector(1) },
    { ...template!, layer: REGISTRY_LAYER, version: 2, vector: vector(2), parentVersion: 1 },
    { ...template!, layer: MOVED_LAYER, version: 1, vector: vector(3) },
  ];
  return JSON.stringify(file);
}

/** Opens the app (with the decoder `served` in place of the committed one), imports the export, loads the model. */
async function adapterAfterLoad(served: Uint8Array | null) {
  let result: { layer: number; version: number; versions: number[]; supported: boolean; error: string | null; model: string } | undefined;
  await withBrowser({}, async (context, page, errors) => {
    if (served) {
      await context.route(`**/models/${M}/onnx/decoder_model_merged.onnx`, (route) =>
        route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(served) }));
    }
    await openApp(page, dev.url, `steer-layer-${served ? 'moved' : 'committed'}`);
    const notice = await agent(page).evaluate((el, text) => (el as Agent).controller.importData(new Blob([text])), exportWithTwoLayers());
    expect(notice).toMatch(/3 adapters/);
    result = await agent(page).evaluate(async (el) => {
      const c = (el as Agent).controller;
      await c.loadModel();
      const a = c.state.adapter;
      return { layer: a.layer, version: a.version, versions: a.versions.map((v) => v.version), supported: a.supported, error: a.error, model: c.state.model.status };
    });
    await expect.poll(() => page.locator('taskmem-agent tm-adapter-panel [part=adapter-layer]').textContent()).toBe(`decoder layer ${result!.layer}`);
    expect(errors).toEqual([]);
  });
  return result!;
}

describe('the steer layer of the loaded decoder', () => {
  it('the committed decoder steers where the registry says: that layer\'s newest version is active', async () => {
    expect(await adapterAfterLoad(null)).toEqual({ layer: REGISTRY_LAYER, version: 2, versions: [1, 2], supported: true, error: null, model: 'ready' });
  });

  it('a decoder prepared at another layer gets that layer\'s versions, not the registry layer\'s', async () => {
    const moved = prepareDecoder(new Uint8Array(decoder), { layer: MOVED_LAYER, hiddenSize: 128 }, { move: true });
    expect(moved.status).toBe('moved');
    expect(await adapterAfterLoad(moved.model!)).toEqual({ layer: MOVED_LAYER, version: 1, versions: [1], supported: true, error: null, model: 'ready' });
  });
});

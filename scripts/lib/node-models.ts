/** Node-side model setup: models/ is the local model root; the hub is used only when asked. */
import { env } from '@huggingface/transformers';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { getModelSpec, type ModelSpec } from '../../src/memorize/registry';
import { readSteerInfoFromStream } from '../../src/adapter/steer-graph';

/** The repo's models/ folder, or TASKMEM_MODELS_DIR (as for the dev server), e.g. to try a candidate. */
export const MODELS_ROOT = (process.env.TASKMEM_MODELS_DIR ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'models')).replace(/\/?$/, '/');

export function useLocalModels(allowRemote = false) {
  env.localModelPath = MODELS_ROOT;
  env.allowLocalModels = true;
  env.allowRemoteModels = allowRemote;
}

/**
 * The registry's spec, with the steer layer its local decoder files were prepared at. The registry
 * names the layer `models:fetch` prepares; a copy moved to another layer (`npm run prepare-steer --
 * DIR --layer L`, to compare layers) steers there, and what is trained on it must say so: adapter
 * files carry the layer, and the app keys adapters by model id and layer. Unprepared files leave
 * the spec as it is (loading reports the missing input); variants prepared at different layers
 * are refused, since which one runs depends on the dtype chosen.
 */
export async function preparedModelSpec(id: string, root = MODELS_ROOT, warn: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<ModelSpec> {
  const spec = getModelSpec(id);
  const onnxDir = join(root, id, 'onnx');
  if (!existsSync(onnxDir)) return spec;
  const layers = new Map<number, string[]>();
  for (const file of readdirSync(onnxDir).filter((f) => /^decoder_model_merged.*\.onnx$/.test(f)).sort()) {
    // Streamed: only the metadata is kept, so a decoder with its weights inside is never held whole.
    const steer = await readSteerInfoFromStream(createReadStream(join(onnxDir, file)));
    if (steer) layers.set(steer.layer, [...(layers.get(steer.layer) ?? []), file]);
  }
  if (layers.size > 1)
    throw new Error(`${onnxDir}: decoder files steer after different layers (${[...layers].map(([l, f]) => `layer ${l}: ${f.join(', ')}`).join('; ')}); prepare them alike with npm run prepare-steer -- DIR --layer L`);
  const [layer] = [...layers.keys()];
  if (layer === undefined || layer === spec.steer.layer) return spec;
  warn(`${id} in ${root}: the decoder steers after layer ${layer}, the registry says ${spec.steer.layer}; adapters trained and applied here are for layer ${layer}`);
  return { ...spec, steer: { ...spec.steer, layer } };
}

/** Node-side model setup: models/ is the local model root; the hub is used only when asked. */
import { env } from '@huggingface/transformers';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repo's models/ folder, or TASKMEM_MODELS_DIR (as for the dev server), e.g. to try a candidate. */
export const MODELS_ROOT = (process.env.TASKMEM_MODELS_DIR ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'models')).replace(/\/?$/, '/');

export function useLocalModels(allowRemote = false) {
  env.localModelPath = MODELS_ROOT;
  env.allowLocalModels = true;
  env.allowRemoteModels = allowRemote;
}

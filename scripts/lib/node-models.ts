/** Node-side model setup: models/ is the local model root; the hub is used only when asked. */
import { env } from '@huggingface/transformers';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const MODELS_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'models') + '/';

export function useLocalModels(allowRemote = false) {
  env.localModelPath = MODELS_ROOT;
  env.allowLocalModels = true;
  env.allowRemoteModels = allowRemote;
}

/**
 * Where the loaded decoder steers, read from its file's `taskmem.steer` metadata. The registry
 * names a layer for each model, but a decoder prepared with `npm run prepare-steer -- DIR --layer
 * L` steers after layer L, and an adapter trained for one layer means nothing after another.
 * ONNX Runtime Web does not expose a model's metadata, so the file is read again: from the cache
 * transformers.js filled while loading it when there is one, else from where it was served. Only
 * the metadata is kept as the file streams past (readSteerInfoFromStream).
 */
import { env } from '@huggingface/transformers';
import { readSteerInfoFromStream, type SteerInfo } from '../adapter/steer-graph';
import { cachedModelFiles } from './model-cache';
import type { Dtype, ModelSpec } from './registry';

/** transformers.js's file suffix for each dtype (its DEFAULT_DTYPE_SUFFIX_MAPPING, for ours). */
const DTYPE_SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16' };

/** The decoder file transformers.js loads for a session at `dtype`, relative to the model's folder. */
export function decoderFile(session: string, dtype: Dtype): string {
  return `onnx/${session}${DTYPE_SUFFIX[dtype]}.onnx`;
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The cached response transformers.js stored for `file` of model `id`, if the cache holds one:
 * `/<id>/<file>` from the local model folder, `/<id>/resolve/<revision>/<file>` from the hub.
 */
async function cachedResponse(id: string, file: string): Promise<Response | null> {
  const local = `/${id}/${file}`;
  const found = await cachedModelFiles((path) => path.endsWith(local) || (path.includes(`/${id}/resolve/`) && path.endsWith(`/${file}`)));
  const [request] = found?.requests ?? [];
  return request ? ((await found!.cache.match(request)) ?? null) : null;
}

/**
 * The steer site of `spec`'s decoder session `session` at `dtype`: its metadata, null when the file
 * has none (prepared before the metadata was written, or not by us), undefined when the file could
 * not be read here (neither cached nor served from the local model folder).
 */
export async function loadedDecoderSteer(spec: ModelSpec, session: string, dtype: Dtype): Promise<SteerInfo | null | undefined> {
  const file = decoderFile(session, dtype);
  let response = await cachedResponse(spec.id, file);
  if (!response) {
    const local = (env as { localModelPath?: string }).localModelPath;
    if (!local) return undefined;
    response = await fetch(`${local.replace(/\/$/, '')}/${spec.id}/${file}`).catch(() => null);
    if (!response?.ok) return undefined;
  }
  if (!response.body) return undefined;
  return readSteerInfoFromStream(chunksOf(response.body));
}

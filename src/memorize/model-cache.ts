/**
 * transformers.js's Cache API cache of the model files it fetched (local ones too): the worker
 * drops a model's entries after a failed load and reads a decoder back from it (decoder-steer.ts).
 */
import { env } from '@huggingface/transformers';

/** The cached requests whose decoded URL path `matches`, with their cache; null where there is no cache storage. */
export async function cachedModelFiles(matches: (path: string) => boolean): Promise<{ cache: Cache; requests: Request[] } | null> {
  if (typeof caches === 'undefined') return null;
  try {
    const cache = await caches.open((env as { cacheKey?: string }).cacheKey ?? 'transformers-cache');
    const requests = (await cache.keys()).filter((r) => matches(decodeURIComponent(new URL(r.url).pathname)));
    return { cache, requests };
  } catch {
    return null; // storage refused here (opaque origin, storage blocked): nothing was cached either
  }
}

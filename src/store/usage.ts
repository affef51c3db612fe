/**
 * What is stored and how much room it takes: record counts per store, an approximate byte count per
 * store (what the records hold: text, thumbnails, vectors; IndexedDB's own overhead and compression
 * are not modelled), and the browser's own estimate of the origin's usage and quota.
 */
import type { Db } from './db';

export const USAGE_STORES = ['streams', 'memories', 'tasks', 'adapters', 'settings'] as const;
export type UsageStore = (typeof USAGE_STORES)[number];

export interface StorageEstimateInfo {
  /** Bytes the whole origin uses (IndexedDB, caches of model files, service worker). */
  usage: number;
  quota: number;
  /** IndexedDB's share of `usage`, where the browser reports it (Chromium's usageDetails). */
  indexedDB: number | null;
}

export interface StorageUsage {
  counts: Record<UsageStore, number>;
  approxBytes: Record<UsageStore, number>;
  estimate: StorageEstimateInfo | null;
  /** navigator.storage.persisted(); null where the browser has no Storage API. */
  persisted: boolean | null;
}

/** Approximate stored size of a value: strings by UTF-8 length, blobs and typed arrays by bytes. */
export function approxBytes(value: unknown, seen = new Set<object>()): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'string') return new TextEncoder().encode(value).length + 2;
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean') return 1;
  if (typeof value !== 'object') return 8;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return value.size;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (seen.has(value)) return 0;
  seen.add(value);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + approxBytes(v, seen), 2);
  let n = 2;
  for (const [k, v] of Object.entries(value)) n += k.length + 1 + approxBytes(v, seen);
  return n;
}

/** The browser's estimate, or null where the Storage API is missing or fails. */
export async function storageEstimate(): Promise<StorageEstimateInfo | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return null;
  try {
    const e = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } };
    return { usage: e.usage ?? 0, quota: e.quota ?? 0, indexedDB: typeof e.usageDetails?.indexedDB === 'number' ? e.usageDetails.indexedDB : null };
  } catch {
    return null;
  }
}

export async function isPersisted(): Promise<boolean | null> {
  if (typeof navigator === 'undefined' || !navigator.storage?.persisted) return null;
  try {
    return await navigator.storage.persisted();
  } catch {
    return null;
  }
}

/** Counts and approximate sizes of every store (one read-only pass with cursors). */
export async function storedUsage(db: Db): Promise<Pick<StorageUsage, 'counts' | 'approxBytes'>> {
  const tx = db.transaction([...USAGE_STORES], 'readonly');
  const counts = {} as Record<UsageStore, number>;
  const bytes = {} as Record<UsageStore, number>;
  for (const name of USAGE_STORES) {
    let count = 0;
    let size = 0;
    for (let c = await tx.objectStore(name).openCursor(); c; c = await c.continue()) {
      count++;
      size += approxBytes(c.value);
    }
    counts[name] = count;
    bytes[name] = size;
  }
  await tx.done;
  return { counts, approxBytes: bytes };
}

export async function storageUsage(db: Db): Promise<StorageUsage> {
  const [stored, estimate, persisted] = await Promise.all([storedUsage(db), storageEstimate(), isPersisted()]);
  return { ...stored, estimate, persisted };
}

/** "1.2 MB": decimal units, as browsers and disks report them. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = n;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * Which adapter versions learned from deleted data. A version is stale when a task or a memory it
 * was trained on is deleted, or when it was trained starting from a stale version (its starting
 * vector already holds what that version learned). Versions without `parentVersion` (stored before
 * it was recorded) are taken to start from the version just below them: the conservative reading,
 * since training always starts from the active version and only a reset breaks that chain.
 */
import type { AdapterRecord, AdapterStaleness } from './schema';

export interface DeletedItems {
  taskIds: Set<number>;
  /** Memory keys as `memoryKeyOf` spells them. */
  memoryKeys: Set<string>;
}

/** One unambiguous string per [streamId, clipIndex] (stream ids may contain any character). */
export const memoryKeyOf = (streamId: string, clipIndex: number) => JSON.stringify([streamId, clipIndex]);

export function parentOf(r: AdapterRecord): number {
  return typeof r.parentVersion === 'number' ? r.parentVersion : r.version - 1;
}

const lineOf = (r: AdapterRecord) => `${r.modelId}\u0000${r.layer}`;

/** Trained-on lists as stored (imports may carry anything the validator let through). */
function trainedOnOf(r: AdapterRecord): { taskIds: number[]; memoryKeys: [string, number][] } {
  const t = r.trainedOn ?? { taskIds: [], memoryKeys: [] };
  return {
    taskIds: Array.isArray(t.taskIds) ? t.taskIds.filter((x) => typeof x === 'number') : [],
    memoryKeys: Array.isArray(t.memoryKeys) ? t.memoryKeys.filter((k): k is [string, number] => Array.isArray(k) && k.length === 2) : [],
  };
}

/**
 * The records that become stale now that `deleted` is gone, as new objects to store. Records that
 * are already stale keep their first reason.
 */
export function newlyStale(records: AdapterRecord[], deleted: DeletedItems, reason: string, at: number): AdapterRecord[] {
  const lines = new Map<string, AdapterRecord[]>();
  for (const r of records) lines.set(lineOf(r), [...(lines.get(lineOf(r)) ?? []), r]);
  const out: AdapterRecord[] = [];
  for (const line of lines.values()) {
    line.sort((a, b) => a.version - b.version);
    const staleVersions = new Set(line.filter((r) => r.stale).map((r) => r.version));
    for (const r of line) {
      if (r.stale) continue;
      const trained = trainedOnOf(r);
      const taskIds = trained.taskIds.filter((id) => deleted.taskIds.has(id));
      const memoryKeys = trained.memoryKeys.filter(([s, c]) => deleted.memoryKeys.has(memoryKeyOf(s, c)));
      const parent = parentOf(r);
      let stale: AdapterStaleness | null = null;
      if (taskIds.length || memoryKeys.length) stale = { reason, at, taskIds, memoryKeys };
      else if (parent > 0 && staleVersions.has(parent))
        stale = { reason: `trained starting from v${parent}, which is stale`, at, taskIds: [], memoryKeys: [], fromVersion: parent };
      if (!stale) continue;
      staleVersions.add(r.version);
      out.push({ ...r, stale });
    }
  }
  return out;
}

/**
 * The stale mark as the UI may rely on it, or undefined: a record from an import may carry any
 * shape here, and a mark that is present but damaged still counts as stale (never as clean).
 */
export function stalenessOf(r: AdapterRecord): AdapterStaleness | undefined {
  const s = r.stale as unknown;
  if (!s) return undefined; // the same test newlyStale and lastCleanVersion apply
  const o = (typeof s === 'object' ? s : {}) as Record<string, unknown>;
  const trained = trainedOnOf({ ...r, trainedOn: { taskIds: o.taskIds as number[], memoryKeys: o.memoryKeys as [string, number][] } });
  return {
    reason: typeof o.reason === 'string' ? o.reason : 'marked stale',
    at: typeof o.at === 'number' ? o.at : 0,
    taskIds: trained.taskIds,
    memoryKeys: trained.memoryKeys,
    ...(typeof o.fromVersion === 'number' ? { fromVersion: o.fromVersion } : {}),
  };
}

/** Staleness a new version inherits from the version it was trained from. */
export function inheritedStaleness(parent: AdapterRecord | null | undefined, at: number): AdapterStaleness | undefined {
  if (!parent?.stale) return undefined;
  return { reason: `trained starting from v${parent.version}, which is stale`, at, taskIds: [], memoryKeys: [], fromVersion: parent.version };
}

/**
 * The newest version of one model/layer line that learned from nothing deleted, below `below`
 * when given; 0 (the plain model) when there is none.
 */
export function lastCleanVersion(line: AdapterRecord[], below = Infinity): number {
  return Math.max(0, ...line.filter((r) => !r.stale && r.version < below).map((r) => r.version));
}

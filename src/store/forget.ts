/**
 * Deleting what the user asked to forget, and everything derived from it, in one IndexedDB
 * transaction: the memories (their thumbnails and embeddings live in the same record), the tasks
 * that cited them or were asked in the forgotten time, stream records left empty, and the adapter
 * versions that learned from any of it, which are marked stale (see staleness.ts). Either all of
 * that happens or, on any failure, nothing does.
 *
 * Time is the wall clock (`createdAt` of a memory, `askedAt` of a task), not stream time: a clip is
 * written after it ends, so every clip whose capture overlaps the last N minutes was written in
 * them; clips captured just before but written during them (memorization lag) go too, erring on
 * the side of forgetting more. Wall-clock time also spans streams, as "the last N minutes" does.
 */
import type { Db } from './db';
import { memoryKeyOf, newlyStale } from './staleness';
import { forRead, isSealedRecord, requireKey } from './sealed';
import type { Citation, TaskRecord } from './schema';

/**
 * Citations of tasks sealed by the passphrase lock, opened before the deleting transaction: WebCrypto
 * is asynchronous, and awaiting it inside an IndexedDB transaction would let the transaction commit
 * half done.
 */
async function sealedCitations(db: Db): Promise<Map<number, Citation[]>> {
  // Locked, the questions citing what goes cannot be found: refused outright, even while none is
  // stored, so that what forgetting deletes never depends on that.
  requireKey(db);
  const sealed = (await db.getAll('tasks')).filter(isSealedRecord) as TaskRecord[];
  if (!sealed.length) return new Map();
  const opened = await forRead(db, 'tasks', sealed);
  return new Map(opened.map((t) => [t.id!, t.citations]));
}

export interface ForgetSummary {
  memories: number;
  tasks: number;
  streams: number;
  memoryKeys: [string, number][];
  taskIds: number[];
  /** Adapter versions marked stale by this deletion. */
  staleVersions: { modelId: string; layer: number; version: number }[];
}

interface PurgePlan {
  /** Memories written in this range of `createdAt`. */
  memoriesCreated?: IDBKeyRange;
  /** Tasks asked in this range of `askedAt`. */
  tasksAsked?: IDBKeyRange;
  /** Whole streams: their record, memories and the tasks asked about them. */
  streamIds?: string[];
  /** Stream records created in this range are deleted once none of their memories is left. */
  emptyStreamsCreated?: IDBKeyRange;
  /** Streams never deleted for being empty (the one being captured). */
  keepStreams?: string[];
  reason: string;
  now: number;
}

const STORES = ['streams', 'memories', 'tasks', 'adapters'] as const;

/** A sealed task was stored between opening the citations and the deleting transaction. */
class SealedTaskArrived extends Error {}

async function purge(db: Db, plan: PurgePlan): Promise<ForgetSummary> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await purgeOnce(db, plan, await sealedCitations(db));
    } catch (e) {
      // Nothing was deleted (the transaction was aborted): open the citations again and retry.
      if (!(e instanceof SealedTaskArrived) || attempt === 3) throw e instanceof SealedTaskArrived ? new Error('Questions kept being stored while forgetting; nothing was deleted, try again.') : e;
    }
  }
}

async function purgeOnce(db: Db, plan: PurgePlan, opened: Map<number, Citation[]>): Promise<ForgetSummary> {
  const tx = db.transaction([...STORES], 'readwrite');
  const memories = tx.objectStore('memories');
  const deletedKeys = new Set<string>();
  const memoryKeys: [string, number][] = [];
  const dropMemory = (m: { streamId: string; clipIndex: number }) => {
    deletedKeys.add(memoryKeyOf(m.streamId, m.clipIndex));
    memoryKeys.push([m.streamId, m.clipIndex]);
  };

  if (plan.memoriesCreated) {
    for (let c = await memories.index('byCreated').openCursor(plan.memoriesCreated); c; c = await c.continue()) {
      dropMemory(c.value);
      await c.delete();
    }
  }
  const streamIds = new Set(plan.streamIds ?? []);
  for (const id of streamIds) {
    for (let c = await memories.openKeyCursor(IDBKeyRange.bound([id, -Infinity], [id, Infinity])); c; c = await c.continue()) {
      dropMemory({ streamId: c.primaryKey[0], clipIndex: c.primaryKey[1] });
      await memories.delete(c.primaryKey);
    }
  }

  // Tasks are the user's questions: few, so one scan finds those that cite a deleted memory.
  const taskIds: number[] = [];
  for (let c = await tx.objectStore('tasks').openCursor(); c; c = await c.continue()) {
    const t = c.value;
    if (isSealedRecord(t) && !opened.has(c.primaryKey)) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw new SealedTaskArrived();
    }
    const citations = opened.get(c.primaryKey) ?? t.citations;
    const cites = Array.isArray(citations) && citations.some((x) => deletedKeys.has(memoryKeyOf(x.streamId, x.clipIndex)));
    const asked = plan.tasksAsked?.includes(t.askedAt) ?? false;
    const aboutStream = t.streamId !== null && streamIds.has(t.streamId);
    if (cites || asked || aboutStream) {
      taskIds.push(c.primaryKey);
      await c.delete();
    }
  }

  let streams = 0;
  const streamStore = tx.objectStore('streams');
  for (const id of streamIds) {
    if (await streamStore.getKey(id)) streams++;
    await streamStore.delete(id);
  }
  if (plan.emptyStreamsCreated) {
    const keep = new Set(plan.keepStreams ?? []);
    for (let c = await streamStore.index('byCreated').openCursor(plan.emptyStreamsCreated); c; c = await c.continue()) {
      if (keep.has(c.value.id) || streamIds.has(c.value.id)) continue;
      const left = await memories.count(IDBKeyRange.bound([c.value.id, -Infinity], [c.value.id, Infinity]));
      if (left === 0) {
        streams++;
        await c.delete();
      }
    }
  }

  const adapters = tx.objectStore('adapters');
  const stale = newlyStale(await adapters.getAll(), { taskIds: new Set(taskIds), memoryKeys: deletedKeys }, plan.reason, plan.now);
  for (const r of stale) await adapters.put(r);
  await tx.done;
  return {
    memories: memoryKeys.length,
    tasks: taskIds.length,
    streams,
    memoryKeys,
    taskIds,
    staleVersions: stale.map((r) => ({ modelId: r.modelId, layer: r.layer, version: r.version })),
  };
}

/** Forgets what was written and asked since `since` (epoch ms): "forget the last N minutes". */
export function forgetSince(db: Db, since: number, opts: { reason: string; keepStreams?: string[]; now?: number }): Promise<ForgetSummary> {
  const range = IDBKeyRange.lowerBound(since);
  return purge(db, { memoriesCreated: range, tasksAsked: range, emptyStreamsCreated: range, keepStreams: opts.keepStreams, reason: opts.reason, now: opts.now ?? Date.now() });
}

/** Deletes what was written and asked before `cutoff` (epoch ms; inclusive when `inclusive`). */
export function forgetBefore(db: Db, cutoff: number, opts: { reason: string; keepStreams?: string[]; inclusive?: boolean; now?: number }): Promise<ForgetSummary> {
  const range = IDBKeyRange.upperBound(cutoff, !opts.inclusive);
  return purge(db, { memoriesCreated: range, tasksAsked: range, emptyStreamsCreated: range, keepStreams: opts.keepStreams, reason: opts.reason, now: opts.now ?? Date.now() });
}

/** Deletes one stream with its memories, the tasks asked about it and those citing it. */
export function forgetStream(db: Db, streamId: string, opts: { reason?: string; now?: number } = {}): Promise<ForgetSummary> {
  return purge(db, { streamIds: [streamId], reason: opts.reason ?? 'a stream it learned from was deleted', now: opts.now ?? Date.now() });
}

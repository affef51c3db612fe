/**
 * Typed, promise-first operations on the store, one small function per need. Deletions that span
 * stores run in one transaction, so a failure leaves everything as it was.
 */
import type { Db } from './db';
import type { AdapterRecord, StoredMemory, StreamRecord, TaskRecord } from './schema';
// Private fields are sealed on write and opened on read while a passphrase lock is on (sealed.ts).
import { forRead, forWrite } from './sealed';
import { LOCK_SETTING } from './lock';
import { forgetStream } from './forget';

export async function putStream(db: Db, stream: StreamRecord) {
  await db.put('streams', await forWrite(db, 'streams', stream));
}

export async function listStreams(db: Db): Promise<StreamRecord[]> {
  return forRead(db, 'streams', await db.getAllFromIndex('streams', 'byCreated'));
}

export async function putMemory(db: Db, memory: StoredMemory) {
  await db.put('memories', await forWrite(db, 'memories', memory));
}

/**
 * Stores a memory the model has just written, but only if its stream still exists and `wanted()`
 * still holds when the write runs. Both are checked inside the write's own transaction, which
 * IndexedDB orders against any deletion: a clip that comes back from the model while its stream is
 * deleted or forgotten is dropped, never left behind without a stream. Returns whether it was stored.
 */
export async function putLiveMemory(db: Db, memory: StoredMemory, wanted: () => boolean = () => true): Promise<boolean> {
  // Sealing is async, so it runs before the transaction opens (an idle transaction commits).
  const record = await forWrite(db, 'memories', memory);
  const tx = db.transaction(['streams', 'memories'], 'readwrite');
  const keep = (await tx.objectStore('streams').getKey(memory.streamId)) !== undefined && wanted();
  if (keep) await tx.objectStore('memories').put(record);
  await tx.done;
  return keep;
}

/** A stream's memories in clip order (the compound key sorts them). */
export async function memoriesOf(db: Db, streamId: string): Promise<StoredMemory[]> {
  return forRead(db, 'memories', await db.getAll('memories', IDBKeyRange.bound([streamId, -Infinity], [streamId, Infinity])));
}

export async function countMemories(db: Db): Promise<number> {
  return db.count('memories');
}

export async function addTask(db: Db, task: Omit<TaskRecord, 'id'>): Promise<number> {
  return db.add('tasks', await forWrite(db, 'tasks', task as TaskRecord));
}

export async function listTasks(db: Db): Promise<TaskRecord[]> {
  return forRead(db, 'tasks', await db.getAllFromIndex('tasks', 'byAsked'));
}

export async function putAdapter(db: Db, adapter: AdapterRecord) {
  await db.put('adapters', await forWrite(db, 'adapters', adapter));
}

export async function adaptersOf(db: Db, modelId: string): Promise<AdapterRecord[]> {
  const all = await forRead(db, 'adapters', await db.getAllFromIndex('adapters', 'byModel', modelId));
  return all.sort((a, b) => a.layer - b.layer || a.version - b.version);
}

export async function getSetting<T>(db: Db, key: string, fallback: T): Promise<T> {
  const row = await db.get('settings', key);
  return row === undefined ? fallback : (row.value as T);
}

export async function setSetting(db: Db, key: string, value: unknown) {
  await db.put('settings', { key, value });
}

/**
 * Removes a stream with its memories, the tasks asked about it or citing it, and marks the adapter
 * versions that learned from any of them stale (one transaction; see forget.ts).
 */
export async function deleteStream(db: Db, streamId: string) {
  return forgetStream(db, streamId);
}

export async function deleteEverything(db: Db) {
  const names = ['streams', 'memories', 'tasks', 'adapters', 'settings'] as const;
  const tx = db.transaction([...names], 'readwrite');
  await Promise.all(names.filter((n) => n !== 'settings').map((n) => tx.objectStore(n).clear()));
  // Every setting but the passphrase lock: encryption stays on for what is stored next.
  await tx.objectStore('settings').delete(IDBKeyRange.upperBound(LOCK_SETTING, true));
  await tx.objectStore('settings').delete(IDBKeyRange.lowerBound(LOCK_SETTING, true));
  await tx.done;
}

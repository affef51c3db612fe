/**
 * Export everything to one JSON file and import it back. Import validates the whole file before it
 * writes anything, then writes in a single transaction: a malformed, foreign or too-new file is
 * refused with a clear message and changes nothing.
 */
import type { Db } from './db';
import type { AdapterRecord, SettingRecord, StoredMemory, StreamRecord, TaskRecord } from './schema';
import { forRead, forWrite } from './sealed';
import { LOCK_SETTING } from './lock';

export const EXPORT_FORMAT = 'taskmem-export';
export const EXPORT_VERSION = 1;
/** Refuse absurd files before parsing them (a year of memories is far below this). */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

type ExportedMemory = Omit<StoredMemory, 'thumbnail' | 'embedding'> & { thumbnail?: { type: string; base64: string }; embedding?: number[] };
type ExportedAdapter = Omit<AdapterRecord, 'vector'> & { vector: number[] };

export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: number;
  streams: StreamRecord[];
  memories: ExportedMemory[];
  tasks: TaskRecord[];
  adapters: ExportedAdapter[];
  settings: SettingRecord[];
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export async function exportAll(db: Db): Promise<Blob> {
  const [streams, memories, tasks, adapters, settings] = await Promise.all([
    db.getAll('streams').then((r) => forRead(db, 'streams', r)),
    db.getAll('memories').then((r) => forRead(db, 'memories', r)),
    db.getAll('tasks').then((r) => forRead(db, 'tasks', r)),
    db.getAll('adapters').then((r) => forRead(db, 'adapters', r)),
    // The passphrase lock belongs to this device; an encrypted export carries its own (sealed-export.ts).
    db.getAll('settings').then((r) => r.filter((s) => s.key !== LOCK_SETTING)),
  ]);
  const file: ExportFile = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: Date.now(),
    streams,
    memories: await Promise.all(
      memories.map(async ({ thumbnail, embedding, ...m }) => ({
        ...m,
        ...(thumbnail ? { thumbnail: { type: thumbnail.type, base64: toBase64(new Uint8Array(await thumbnail.arrayBuffer())) } } : {}),
        ...(embedding ? { embedding: Array.from(embedding) } : {}),
      })),
    ),
    tasks,
    adapters: adapters.map((a) => ({ ...a, vector: Array.from(a.vector) })),
    settings,
  };
  return new Blob([JSON.stringify(file)], { type: 'application/json' });
}

// --- validation: every check names where it failed ---

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

function check(cond: boolean, where: string, what: string): asserts cond {
  if (!cond) throw new ImportError(`The file is damaged: ${where} ${what}. Nothing was imported.`);
}

function array(file: Record<string, unknown>, key: string): unknown[] {
  const v = file[key];
  check(Array.isArray(v), key, 'is not a list');
  return v;
}

function validateStream(v: unknown, at: string): StreamRecord {
  check(isObj(v), at, 'is not an object');
  check(isStr(v.id) && v.id.length > 0, `${at}.id`, 'is missing');
  check(isStr(v.title), `${at}.title`, 'is not text');
  check(['webcam', 'screen', 'file', 'demo'].includes(v.source as string), `${at}.source`, 'is not a known source');
  check(isNum(v.createdAt) && isStr(v.modelId) && isNum(v.clipSeconds) && v.clipSeconds > 0, at, 'has bad fields');
  return v as unknown as StreamRecord;
}

function validateMemory(v: unknown, at: string): StoredMemory {
  check(isObj(v), at, 'is not an object');
  check(isStr(v.streamId) && isInt(v.clipIndex) && (v.clipIndex as number) >= 0, at, 'has no valid stream/clip key');
  check(isNum(v.t0) && isNum(v.t1) && (v.t1 as number) >= (v.t0 as number), `${at}.t0/t1`, 'are not a time range');
  check(isStr(v.text) && v.text.length <= 10_000, `${at}.text`, 'is not text of a sensible length');
  check(isStr(v.modelId) && isInt(v.adapterVersion) && isNum(v.createdAt), at, 'has bad model/adapter fields');
  const out: StoredMemory = {
    streamId: v.streamId as string, clipIndex: v.clipIndex as number, t0: v.t0 as number, t1: v.t1 as number,
    text: v.text as string, modelId: v.modelId as string, adapterVersion: v.adapterVersion as number, createdAt: v.createdAt as number,
  };
  if (v.thumbnail !== undefined) {
    const t = v.thumbnail;
    check(isObj(t) && isStr(t.type) && /^image\/(png|jpeg|webp)$/.test(t.type) && isStr(t.base64), `${at}.thumbnail`, 'is not an image');
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(t.base64 as string);
    } catch {
      throw new ImportError(`The file is damaged: ${at}.thumbnail is not valid base64. Nothing was imported.`);
    }
    out.thumbnail = new Blob([bytes as BlobPart], { type: t.type as string });
  }
  if (v.embedding !== undefined) {
    check(Array.isArray(v.embedding) && v.embedding.length <= 4096 && v.embedding.every(isNum), `${at}.embedding`, 'is not a list of numbers');
    out.embedding = Float32Array.from(v.embedding as number[]);
  }
  return out;
}

function validateTask(v: unknown, at: string): TaskRecord {
  check(isObj(v), at, 'is not an object');
  check(isNum(v.askedAt) && isStr(v.question) && isStr(v.type) && isStr(v.answer) && typeof v.answered === 'boolean', at, 'has bad fields');
  check(v.streamId === null || isStr(v.streamId), `${at}.streamId`, 'is not text');
  check(v.streamTime === null || isNum(v.streamTime), `${at}.streamTime`, 'is not a number');
  check(Array.isArray(v.citations) && v.citations.every((c) => isObj(c) && isStr(c.streamId) && isInt(c.clipIndex)), `${at}.citations`, 'are not clip references');
  return v as unknown as TaskRecord;
}

function validateAdapter(v: unknown, at: string): AdapterRecord {
  check(isObj(v), at, 'is not an object');
  check(isStr(v.modelId) && isInt(v.layer) && isInt(v.version) && isNum(v.createdAt), at, 'has bad model/layer/version fields');
  check(Array.isArray(v.vector) && v.vector.length > 0 && v.vector.length <= 65536 && v.vector.every(isNum), `${at}.vector`, 'is not a list of numbers');
  const trained = v.trainedOn;
  check(isObj(trained) && Array.isArray(trained.taskIds) && Array.isArray(trained.memoryKeys), `${at}.trainedOn`, 'is missing');
  check(isObj(v.metrics), `${at}.metrics`, 'is missing');
  return { ...(v as unknown as AdapterRecord), vector: Float32Array.from(v.vector as number[]) };
}

export interface ImportSummary {
  streams: number;
  memories: number;
  tasks: number;
  adapters: number;
}

/** Parses and validates an export; throws ImportError with a user-facing message on any problem. */
export function parseExport(text: string) {
  if (text.length > MAX_IMPORT_BYTES) throw new ImportError('The file is too large to be a TaskMem export. Nothing was imported.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ImportError('This file is not a TaskMem export (it is not JSON). Nothing was imported.');
  }
  if (!isObj(json) || json.format !== EXPORT_FORMAT)
    throw new ImportError('This file is not a TaskMem export. Nothing was imported.');
  if (!isInt(json.version) || json.version < 1) throw new ImportError('This TaskMem export has no valid version. Nothing was imported.');
  if (json.version > EXPORT_VERSION)
    throw new ImportError(`This export was made by a newer TaskMem (format version ${json.version}); update the app to import it. Nothing was imported.`);
  const streams = array(json, 'streams').map((s, i) => validateStream(s, `streams[${i}]`));
  const memories = array(json, 'memories').map((m, i) => validateMemory(m, `memories[${i}]`));
  const tasks = array(json, 'tasks').map((t, i) => validateTask(t, `tasks[${i}]`));
  const adapters = array(json, 'adapters').map((a, i) => validateAdapter(a, `adapters[${i}]`));
  const settings = array(json, 'settings').map((s, i) => {
    check(isObj(s) && isStr(s.key), `settings[${i}]`, 'has no key');
    return s as unknown as SettingRecord;
  });
  const streamIds = new Set(streams.map((s) => s.id));
  memories.forEach((m, i) => check(streamIds.has(m.streamId), `memories[${i}].streamId`, `names a stream that is not in the file (${JSON.stringify(m.streamId)})`));
  return { streams, memories, tasks, adapters, settings };
}

/** Imports a validated export in one transaction; existing records with the same keys are replaced. */
export async function importAll(db: Db, text: string): Promise<ImportSummary> {
  const data = await sealForImport(db, parseExport(text));
  const tx = db.transaction(['streams', 'memories', 'tasks', 'adapters', 'settings'], 'readwrite');
  const idMap = new Map<number, number>();
  const done = tx.done;
  done.catch(() => undefined); // observed below; an aborted transaction must not leave an unhandled rejection
  try {
    for (const s of data.streams) await tx.objectStore('streams').put(s);
    for (const m of data.memories) await tx.objectStore('memories').put(m);
    for (const t of data.tasks) {
      const { id, ...rest } = t;
      const newId = await tx.objectStore('tasks').add(rest as TaskRecord);
      if (id !== undefined) idMap.set(id, newId);
    }
    for (const a of data.adapters)
      await tx.objectStore('adapters').put({ ...a, trainedOn: { ...a.trainedOn, taskIds: a.trainedOn.taskIds.map((id) => idMap.get(id) ?? id) } });
    for (const s of data.settings) await tx.objectStore('settings').put(s);
    await done;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      /* already aborted by the failing request */
    }
    throw new ImportError(`Import failed while writing (${e instanceof Error ? e.message : String(e)}); nothing was changed.`);
  }
  return { streams: data.streams.length, memories: data.memories.length, tasks: data.tasks.length, adapters: data.adapters.length };
}

/**
 * Puts validated records in the form this store keeps them: sealed while a passphrase lock is on
 * (WebCrypto cannot run inside the write transaction, so this happens before it), and never the
 * file's own copy of a lock setting, which would make the store's data unopenable.
 */
async function sealForImport(db: Db, data: ReturnType<typeof parseExport>): Promise<ReturnType<typeof parseExport>> {
  const all = <T extends object>(store: 'streams' | 'memories' | 'tasks' | 'adapters', rows: T[]) => Promise.all(rows.map((r) => forWrite(db, store, r)));
  return {
    streams: await all('streams', data.streams),
    memories: await all('memories', data.memories),
    tasks: await all('tasks', data.tasks),
    adapters: await all('adapters', data.adapters),
    settings: data.settings.filter((s) => s.key !== LOCK_SETTING),
  };
}

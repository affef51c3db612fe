/**
 * Export everything to one JSON file and import it back. Import validates the whole file before it
 * writes anything, then writes in a single transaction: a malformed, foreign or too-new file is
 * refused with a clear message and changes nothing.
 */
import type { Db } from './db';
import type { AdapterRecord, SettingRecord, StoredMemory, StreamRecord, TaskRecord } from './schema';
import { forRead, forWrite } from './sealed';
import { LOCK_SETTING } from './lock';
import { MODEL_REGISTRY } from '../memorize/registry';
import { EMBED_DIM } from '../recall/embedding';
import { fromBase64, toBase64 } from '../util/base64';

export const EXPORT_FORMAT = 'taskmem-export';
export const EXPORT_VERSION = 1;
/**
 * The largest file import reads (checked on the file's size before it is read, and on the text).
 * JSON.parse needs several times a file's size in memory and V8 strings stop at 2^29 characters;
 * 256 MiB is about a million memories without thumbnails, or a hundred thousand with them.
 */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;
/** Limits on single fields, far above anything the app writes, so a damaged file cannot bloat the store. */
export const IMPORT_LIMITS = {
  idChars: 200,
  titleChars: 1_000,
  memoryChars: 10_000,
  questionChars: 10_000,
  answerChars: 10_000,
  typeChars: 64,
  thumbnailBytes: 2 * 1024 * 1024,
  embeddingLength: 4096,
  adapterLength: 65536,
  settingKeyChars: 200,
  settingValueChars: 100_000,
} as const;

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

/** Refuses a file by its size before it is read; the message says the limit (encrypted exports have their own, see sealed-export.ts). */
export function checkImportSize(bytes: number, limit = MAX_IMPORT_BYTES) {
  if (bytes > limit)
    throw new ImportError(`The file is too large to import (${(bytes / 2 ** 20).toFixed(0)} MiB; the limit is ${Math.ceil(limit / 2 ** 20)} MiB). Nothing was imported.`);
  if (bytes === 0) throw new ImportError('The file is empty. Nothing was imported.');
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
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

// --- validation: every check names where it failed, and keeps only the documented fields ---

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isText = (v: unknown, max: number): v is string => isStr(v) && v.length <= max;
const isId = (v: unknown): v is string => isStr(v) && v.length > 0 && v.length <= IMPORT_LIMITS.idChars;
const KNOWN_MODELS = new Map(MODEL_REGISTRY.map((m) => [m.id, m]));

function check(cond: boolean, where: string, what: string): asserts cond {
  if (!cond) throw new ImportError(`The file is damaged: ${where} ${what}. Nothing was imported.`);
}

function checkModel(modelId: string, where: string) {
  if (!KNOWN_MODELS.has(modelId))
    throw new ImportError(
      `${where} was written by a model this version of TaskMem does not know (${JSON.stringify(modelId.slice(0, 80))}); update the app, or import an export made with one of: ${[...KNOWN_MODELS.keys()].join(', ')}. Nothing was imported.`,
    );
}

function array(file: Record<string, unknown>, key: string): unknown[] {
  const v = file[key];
  check(Array.isArray(v), key, 'is not a list');
  return v;
}

function numbers(v: unknown, max: number): v is number[] {
  return Array.isArray(v) && v.length <= max && v.every(isNum);
}

function validateStream(v: unknown, at: string): StreamRecord {
  check(isObj(v), at, 'is not an object');
  check(isId(v.id), `${at}.id`, 'is missing or too long');
  check(isText(v.title, IMPORT_LIMITS.titleChars), `${at}.title`, 'is not text of a sensible length');
  check(['webcam', 'screen', 'file', 'demo'].includes(v.source as string), `${at}.source`, 'is not a known source');
  check(isNum(v.createdAt) && isId(v.modelId) && isNum(v.clipSeconds) && v.clipSeconds > 0, at, 'has bad fields');
  checkModel(v.modelId, at);
  return { id: v.id, title: v.title, source: v.source as StreamRecord['source'], createdAt: v.createdAt, modelId: v.modelId, clipSeconds: v.clipSeconds };
}

function validateMemory(v: unknown, at: string): StoredMemory {
  check(isObj(v), at, 'is not an object');
  check(isId(v.streamId) && isInt(v.clipIndex) && (v.clipIndex as number) >= 0, at, 'has no valid stream/clip key');
  check(isNum(v.t0) && isNum(v.t1) && (v.t0 as number) >= 0 && (v.t1 as number) >= (v.t0 as number), `${at}.t0/t1`, 'are not a time range');
  check(isText(v.text, IMPORT_LIMITS.memoryChars), `${at}.text`, 'is not text of a sensible length');
  check(isId(v.modelId) && isInt(v.adapterVersion) && (v.adapterVersion as number) >= 0 && isNum(v.createdAt), at, 'has bad model/adapter fields');
  checkModel(v.modelId, at);
  const out: StoredMemory = {
    streamId: v.streamId as string, clipIndex: v.clipIndex as number, t0: v.t0 as number, t1: v.t1 as number,
    text: v.text, modelId: v.modelId, adapterVersion: v.adapterVersion as number, createdAt: v.createdAt as number,
  };
  if (v.thumbnail !== undefined) {
    const t = v.thumbnail;
    check(isObj(t) && isStr(t.type) && /^image\/(png|jpeg|webp)$/.test(t.type) && isStr(t.base64), `${at}.thumbnail`, 'is not an image');
    check((t.base64 as string).length <= (IMPORT_LIMITS.thumbnailBytes * 4) / 3 + 4, `${at}.thumbnail`, 'is too large for a thumbnail');
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(t.base64 as string);
    } catch {
      throw new ImportError(`The file is damaged: ${at}.thumbnail is not valid base64. Nothing was imported.`);
    }
    out.thumbnail = new Blob([bytes as BlobPart], { type: t.type as string });
  }
  if (v.embedding !== undefined) {
    check(numbers(v.embedding, IMPORT_LIMITS.embeddingLength), `${at}.embedding`, 'is not a list of numbers');
    // Embeddings are derived from the text: one of another size (another app version) is dropped
    // and recall computes it again, rather than refusing the file or storing something unusable.
    if (v.embedding.length === EMBED_DIM) out.embedding = Float32Array.from(v.embedding);
  }
  return out;
}

function validateTask(v: unknown, at: string): TaskRecord {
  check(isObj(v), at, 'is not an object');
  check(v.id === undefined || (isInt(v.id) && (v.id as number) > 0), `${at}.id`, 'is not a task number');
  check(isNum(v.askedAt) && typeof v.answered === 'boolean', at, 'has bad fields');
  check(isText(v.question, IMPORT_LIMITS.questionChars) && isText(v.answer, IMPORT_LIMITS.answerChars), at, 'has a question or answer that is not text of a sensible length');
  check(isText(v.type, IMPORT_LIMITS.typeChars), `${at}.type`, 'is not a question type');
  check(v.streamId === null || isId(v.streamId), `${at}.streamId`, 'is not text');
  check(v.streamTime === null || isNum(v.streamTime), `${at}.streamTime`, 'is not a number');
  check(
    Array.isArray(v.citations) && v.citations.length <= 100 && v.citations.every((c) => isObj(c) && isId(c.streamId) && isInt(c.clipIndex) && (c.clipIndex as number) >= 0),
    `${at}.citations`,
    'are not clip references',
  );
  const out: TaskRecord = {
    askedAt: v.askedAt as number, streamId: v.streamId as string | null, streamTime: v.streamTime as number | null, question: v.question, type: v.type,
    answer: v.answer, answered: v.answered as boolean, citations: (v.citations as { streamId: string; clipIndex: number }[]).map((c) => ({ streamId: c.streamId, clipIndex: c.clipIndex })),
  };
  if (v.id !== undefined) out.id = v.id as number;
  return out;
}

function validateAdapter(v: unknown, at: string): AdapterRecord {
  check(isObj(v), at, 'is not an object');
  check(isId(v.modelId) && isInt(v.layer) && (v.layer as number) >= 0 && isInt(v.version) && (v.version as number) >= 1 && isNum(v.createdAt), at, 'has bad model/layer/version fields');
  checkModel(v.modelId, at);
  const spec = KNOWN_MODELS.get(v.modelId)!;
  check(numbers(v.vector, IMPORT_LIMITS.adapterLength) && v.vector.length > 0, `${at}.vector`, 'is not a list of numbers');
  // Any layer: a decoder prepared at another layer than the registry's keeps its adapters under that
  // layer (the worker reads it from the decoder), and only the loaded decoder's layer is ever applied.
  check(v.vector.length === spec.steer.hiddenSize, at, `does not fit ${spec.id} (${spec.steer.hiddenSize} numbers)`);
  const trained = v.trainedOn;
  check(
    isObj(trained) && Array.isArray(trained.taskIds) && trained.taskIds.every(isInt) && Array.isArray(trained.memoryKeys) &&
      trained.memoryKeys.every((k) => Array.isArray(k) && k.length === 2 && isId(k[0]) && isInt(k[1])),
    `${at}.trainedOn`,
    'is missing or damaged',
  );
  check(isObj(v.metrics) && Object.keys(v.metrics).length <= 100 && Object.values(v.metrics).every((x) => typeof x === 'number'), `${at}.metrics`, 'is missing or damaged');
  return {
    modelId: v.modelId, layer: v.layer as number, version: v.version as number, vector: Float32Array.from(v.vector), createdAt: v.createdAt as number,
    trainedOn: { taskIds: [...(trained.taskIds as number[])], memoryKeys: (trained.memoryKeys as [string, number][]).map(([s, c]) => [s, c] as [string, number]) },
    metrics: { ...(v.metrics as Record<string, number>) },
  };
}

function validateSetting(v: unknown, at: string): SettingRecord {
  check(isObj(v) && isId(v.key) && (v.key as string).length <= IMPORT_LIMITS.settingKeyChars, at, 'has no key');
  // Values are checked when they are read (src/store/settings.ts); here only their size.
  let size = Infinity;
  try {
    size = JSON.stringify(v.value ?? null).length;
  } catch {
    /* not JSON-able: refused below */
  }
  check(size <= IMPORT_LIMITS.settingValueChars, `${at}.value`, 'is too large for a setting');
  return { key: v.key as string, value: v.value };
}

export interface ImportSummary {
  streams: number;
  memories: number;
  tasks: number;
  adapters: number;
}

/** Parses and validates an export; throws ImportError with a user-facing message on any problem. */
export function parseExport(text: string) {
  checkImportSize(text.length);
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // A truncated or corrupted export is not JSON either; nesting too deep to parse is a RangeError.
    throw new ImportError(
      e instanceof RangeError
        ? 'This file is not a TaskMem export (it is nested too deeply to read). Nothing was imported.'
        : 'This file is not a TaskMem export, or it is damaged or cut short (it is not JSON). Nothing was imported.',
    );
  }
  if (!isObj(json) || json.format !== EXPORT_FORMAT)
    throw new ImportError('This file is not a TaskMem export. Nothing was imported.');
  if (!isInt(json.version) || (json.version as number) < 1) throw new ImportError('This TaskMem export has no valid version. Nothing was imported.');
  if (json.version > EXPORT_VERSION)
    throw new ImportError(`This export was made by a newer TaskMem (format version ${json.version}); update the app to import it. Nothing was imported.`);
  const streams = array(json, 'streams').map((s, i) => validateStream(s, `streams[${i}]`));
  const memories = array(json, 'memories').map((m, i) => validateMemory(m, `memories[${i}]`));
  const tasks = array(json, 'tasks').map((t, i) => validateTask(t, `tasks[${i}]`));
  const adapters = array(json, 'adapters').map((a, i) => validateAdapter(a, `adapters[${i}]`));
  const settings = array(json, 'settings').map((s, i) => validateSetting(s, `settings[${i}]`));
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

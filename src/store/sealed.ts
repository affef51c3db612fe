/**
 * Record <-> sealed record. A sealed record keeps its keys and indexed fields in the clear (the store
 * needs them to sort, filter and delete) and replaces the private fields by one AES-GCM `sealed`
 * value. The marker is per record, so a store may hold both kinds while a lock is being switched on
 * or off, and a crash in between loses nothing: every record is whole, in one form or the other.
 */
import type { Db } from './db';
import { isSealed, open, seal, type Sealed } from './crypto';

/** What is private in each store; everything else (keys, times, ids, sizes) stays readable. */
export const SEALED_FIELDS = {
  streams: ['title'],
  memories: ['text', 'thumbnail', 'embedding'],
  tasks: ['question', 'type', 'answer', 'answered', 'citations'],
  adapters: ['vector', 'metrics'],
} as const;

export type SealedStore = keyof typeof SEALED_FIELDS;
export const SEALED_STORES = Object.keys(SEALED_FIELDS) as SealedStore[];

export class LockedError extends Error {
  constructor(message = 'Your memories are locked: unlock them with your passphrase first.') {
    super(message);
    this.name = 'LockedError';
  }
}

/** What the store layer needs to know of a lock: on or off, and the key while unlocked. */
export interface KeyHolder {
  readonly enabled: boolean;
  /** False while encryption is being switched off: new records are written plain, so none is left sealed after the lock goes. */
  readonly sealsWrites: boolean;
  readonly key: CryptoKey | null;
}

// Per connection, in memory only: the key lives as long as the page and the open database do.
const holders = new WeakMap<Db, KeyHolder>();

export function attachKeyHolder(db: Db, holder: KeyHolder) {
  holders.set(db, holder);
}

export function isSealedRecord(v: unknown): v is { sealed: Sealed } {
  return typeof v === 'object' && v !== null && isSealed((v as { sealed?: unknown }).sealed);
}

// --- packing: private fields to bytes (JSON for plain values, raw bytes for blobs and vectors) ---

type Part = { k: string; kind: 'blob'; type: string; n: number } | { k: string; kind: 'f32'; n: number };

export async function pack(fields: Record<string, unknown>): Promise<Uint8Array> {
  const json: Record<string, unknown> = {};
  const parts: Part[] = [];
  const bytes: Uint8Array[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (v instanceof Blob) {
      const b = new Uint8Array(await v.arrayBuffer());
      parts.push({ k, kind: 'blob', type: v.type, n: b.length });
      bytes.push(b);
    } else if (v instanceof Float32Array) {
      const b = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      parts.push({ k, kind: 'f32', n: b.length });
      bytes.push(b);
    } else json[k] = v;
  }
  const head = new TextEncoder().encode(JSON.stringify({ json, parts }));
  const out = new Uint8Array(4 + head.length + bytes.reduce((s, b) => s + b.length, 0));
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  let at = 4 + head.length;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export function unpack(packed: Uint8Array): Record<string, unknown> {
  const headLength = new DataView(packed.buffer, packed.byteOffset, packed.byteLength).getUint32(0, true);
  const { json, parts } = JSON.parse(new TextDecoder().decode(packed.subarray(4, 4 + headLength))) as { json: Record<string, unknown>; parts: Part[] };
  const out: Record<string, unknown> = { ...json };
  let at = 4 + headLength;
  for (const p of parts) {
    const b = packed.slice(at, at + p.n);
    at += p.n;
    out[p.k] = p.kind === 'blob' ? new Blob([b as BlobPart], { type: p.type }) : new Float32Array(b.buffer);
  }
  return out;
}

// --- one record ---

export async function sealRecord<T extends object>(key: CryptoKey, store: SealedStore, record: T): Promise<T> {
  if (isSealedRecord(record)) return record;
  const rest = { ...record } as Record<string, unknown>;
  const priv: Record<string, unknown> = {};
  for (const f of SEALED_FIELDS[store]) {
    priv[f] = rest[f];
    delete rest[f];
  }
  return { ...rest, sealed: await seal(key, await pack(priv), store) } as T;
}

export async function openRecord<T extends object>(key: CryptoKey, store: SealedStore, record: T): Promise<T> {
  if (!isSealedRecord(record)) return record;
  const { sealed, ...rest } = record;
  return { ...rest, ...unpack(await open(key, sealed, store)) } as T;
}

// --- what the repository calls ---

/** The form to write: sealed while a lock is on; refuses while locked, so no plaintext is ever written then. */
export async function forWrite<T extends object>(db: Db, store: SealedStore, record: T): Promise<T> {
  const h = holders.get(db);
  if (!h?.enabled) return record;
  if (!h.key) throw new LockedError();
  return h.sealsWrites ? sealRecord(h.key, store, record) : record;
}

/** Refuses while a lock is on without its key, whether or not any record read next is sealed. */
export function requireKey(db: Db) {
  const h = holders.get(db);
  if (h?.enabled && !h.key) throw new LockedError();
}

/** The readable form of records as read; sealed ones need the key. */
export async function forRead<T extends object>(db: Db, store: SealedStore, records: T[]): Promise<T[]> {
  if (!records.some(isSealedRecord)) return records;
  const key = holders.get(db)?.key;
  if (!key) throw new LockedError();
  return Promise.all(records.map((r) => openRecord(key, store, r)));
}

/**
 * The IndexedDB schema (through `idb`): one database per origin, versioned, with migrations that
 * run in order from whatever version a user has. Everything the agent knows lives here.
 */
import type { DBSchema } from 'idb';
import type { MemoryRecord } from '../memorize/types';

export const DB_NAME = 'taskmem';
export const DB_VERSION = 1;

export type SourceKind = 'webcam' | 'screen' | 'file' | 'demo';

export interface StreamRecord {
  id: string;
  title: string;
  source: SourceKind;
  createdAt: number;
  modelId: string;
  clipSeconds: number;
}

export interface StoredMemory extends MemoryRecord {
  createdAt: number;
  /** Small JPEG/PNG of the clip's last frame, for the timeline; never shown to the answerer. */
  thumbnail?: Blob;
  /** Unit-length text embedding for vector recall, when computed. */
  embedding?: Float32Array;
}

export interface Citation {
  streamId: string;
  clipIndex: number;
}

export interface TaskRecord {
  id?: number;
  askedAt: number;
  streamId: string | null;
  /** Stream time the question refers to (answers may use memories of clips ended by then). */
  streamTime: number | null;
  question: string;
  type: string;
  answer: string;
  answered: boolean;
  citations: Citation[];
}

export interface AdapterRecord {
  modelId: string;
  layer: number;
  version: number;
  vector: Float32Array;
  createdAt: number;
  /** What this version learned from, so forgetting can find it. */
  trainedOn: { taskIds: number[]; memoryKeys: [string, number][] };
  metrics: Record<string, number>;
  /**
   * The version whose vector training started from (0 = the plain model). Absent on versions stored
   * before it was recorded: those count as trained from the version before them (see staleness.ts).
   */
  parentVersion?: number;
  /** Set once something this version learned from (itself or through its parent) was deleted. */
  stale?: AdapterStaleness;
}

export interface AdapterStaleness {
  reason: string;
  at: number;
  /** The deleted items this version itself learned from (empty when it is stale through its parent). */
  taskIds: number[];
  memoryKeys: [string, number][];
  /** Stale because it was trained starting from this stale version. */
  fromVersion?: number;
}

export interface SettingRecord {
  key: string;
  value: unknown;
}

export interface TaskMemDB extends DBSchema {
  streams: { key: string; value: StreamRecord; indexes: { byCreated: number } };
  memories: { key: [string, number]; value: StoredMemory; indexes: { byStream: string; byCreated: number } };
  tasks: { key: number; value: TaskRecord; indexes: { byAsked: number; byStream: string } };
  adapters: { key: [string, number, number]; value: AdapterRecord; indexes: { byModel: string } };
  settings: { key: string; value: SettingRecord };
}

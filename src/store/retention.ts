/**
 * Retention: memories (with their thumbnails), questions and emptied streams older than a chosen
 * age are deleted, and when the browser's estimate of IndexedDB usage passes a chosen cap the
 * oldest memories go first until the excess is freed. "Keep forever" turns both off and asks the
 * browser for persistent storage. Settings live in the settings store under `privacy.retention`.
 *
 * The cap reads `navigator.storage.estimate()`: IndexedDB's share (Chromium's usageDetails) where
 * reported, else the whole origin's usage (which then also counts cached model files). How much to
 * delete is worked out from the records' approximate sizes (usage.ts), because the estimate may not
 * drop at once after a deletion (the database compacts later): the enforcer remembers what it freed
 * and subtracts it until the estimate catches up, so a lagging estimate never makes it delete more.
 */
import type { Db } from './db';
import { forgetBefore, type ForgetSummary } from './forget';
import { approxBytes, storageEstimate, type StorageEstimateInfo } from './usage';

export interface RetentionSettings {
  /** Delete what is older than this many days; null = no age limit. */
  maxAgeDays: number | null;
  /** Keep IndexedDB under this many megabytes (10^6 bytes); null = no cap. */
  maxMegabytes: number | null;
  /** Never delete by age or size, and ask the browser not to evict this site's data. */
  keepForever: boolean;
}

export const RETENTION_SETTING = 'privacy.retention';
export const DEFAULT_RETENTION: RetentionSettings = { maxAgeDays: null, maxMegabytes: null, keepForever: false };
const DAY_MS = 86_400_000;
const MAX_DAYS = 36_500;
const MAX_MEGABYTES = 10_000_000;

export class RetentionError extends Error {
  override name = 'RetentionError';
}

/** Checks settings from the UI, script or the store; a bad value is refused with what is allowed. */
export function checkRetention(v: unknown): RetentionSettings {
  if (typeof v !== 'object' || v === null) throw new RetentionError('Retention settings must be an object with maxAgeDays, maxMegabytes and keepForever.');
  const r = v as Record<string, unknown>;
  const limit = (x: unknown, name: string, min: number, max: number, integer: boolean) => {
    if (x === null || x === undefined) return null;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x)))
      throw new RetentionError(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, or empty for no limit.`);
    return x;
  };
  const maxAgeDays = limit(r.maxAgeDays, 'Days to keep', 1, MAX_DAYS, true);
  const maxMegabytes = limit(r.maxMegabytes, 'The storage cap (MB)', 1, MAX_MEGABYTES, false);
  if (r.keepForever !== undefined && typeof r.keepForever !== 'boolean') throw new RetentionError('"Keep forever" must be on or off.');
  return { maxAgeDays, maxMegabytes, keepForever: r.keepForever === true };
}

export interface RetentionOutcome {
  age: ForgetSummary | null;
  cap: ForgetSummary | null;
  /** Bytes over the cap that deleting memories could not free (other data is that large). */
  overCapBy: number;
}

/** Whether an enforcement deleted anything. */
export const retentionDeleted = (o: RetentionOutcome) => [o.age, o.cap].some((s) => !!s && s.memories + s.tasks + s.streams > 0);

export class RetentionEnforcer {
  /** Bytes deleted for the cap that the browser's estimate has not shown yet. */
  private unseenFreed = 0;
  private usageAtPurge = 0;

  constructor(private readonly estimate: () => Promise<StorageEstimateInfo | null> = storageEstimate) {}

  /** Applies the settings once; `keepStreams` (the stream being captured) are never removed as empty. */
  async enforce(db: Db, settings: RetentionSettings, opts: { now?: number; keepStreams?: string[] } = {}): Promise<RetentionOutcome> {
    const outcome: RetentionOutcome = { age: null, cap: null, overCapBy: 0 };
    if (settings.keepForever) return outcome;
    const now = opts.now ?? Date.now();
    if (settings.maxAgeDays !== null) {
      const cutoff = now - settings.maxAgeDays * DAY_MS;
      if (await hasOlderThan(db, cutoff))
        outcome.age = await forgetBefore(db, cutoff, { reason: `older than ${settings.maxAgeDays} day${settings.maxAgeDays === 1 ? '' : 's'} (retention)`, keepStreams: opts.keepStreams, now });
    }
    if (settings.maxMegabytes !== null) await this.enforceCap(db, settings.maxMegabytes * 1e6, outcome, opts.keepStreams, now);
    return outcome;
  }

  private async enforceCap(db: Db, cap: number, outcome: RetentionOutcome, keepStreams: string[] | undefined, now: number) {
    const est = await this.estimate();
    if (!est) return;
    const reported = est.indexedDB ?? est.usage;
    // The estimate has caught up with earlier deletions once it fell by what they freed.
    if (this.unseenFreed && reported <= this.usageAtPurge - this.unseenFreed / 2) this.unseenFreed = 0;
    const used = reported - this.unseenFreed;
    if (used <= cap) return;
    const excess = used - cap;
    const { cutoff, freed } = await oldestToFree(db, excess);
    if (cutoff === null) {
      outcome.overCapBy = excess;
      return;
    }
    outcome.cap = await forgetBefore(db, cutoff, { reason: `storage cap of ${formatMb(cap)} reached (oldest first)`, keepStreams, inclusive: true, now });
    if (freed < excess) outcome.overCapBy = excess - freed;
    this.usageAtPurge = reported;
    this.unseenFreed += freed;
  }
}

const formatMb = (bytes: number) => `${+(bytes / 1e6).toFixed(3)} MB`;

async function hasOlderThan(db: Db, cutoff: number): Promise<boolean> {
  const range = IDBKeyRange.upperBound(cutoff, true);
  const tx = db.transaction(['memories', 'tasks', 'streams'], 'readonly');
  const [m, t, s] = await Promise.all([
    tx.objectStore('memories').index('byCreated').count(range),
    tx.objectStore('tasks').index('byAsked').count(range),
    tx.objectStore('streams').index('byCreated').count(range),
  ]);
  await tx.done;
  // Old stream records alone matter only when they are empty; forgetBefore checks that.
  return m + t + s > 0;
}

/**
 * The `createdAt` up to which the oldest memories add up to `excess` bytes (null when there are no
 * memories), and what deleting them frees by their approximate size.
 */
async function oldestToFree(db: Db, excess: number): Promise<{ cutoff: number | null; freed: number }> {
  let freed = 0;
  let cutoff: number | null = null;
  const tx = db.transaction('memories', 'readonly');
  for (let c = await tx.store.index('byCreated').openCursor(); c && freed < excess; c = await c.continue()) {
    freed += approxBytes(c.value);
    cutoff = c.value.createdAt;
  }
  await tx.done;
  return { cutoff, freed };
}

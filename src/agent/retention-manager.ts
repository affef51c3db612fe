/**
 * The agent's retention and storage usage (the privacy panel): the retention setting (by age, by a
 * storage cap, or keep forever), running it after writes and setting changes, and what is stored.
 * Deletion itself is src/store/retention.ts; the controller gives this manager the store, the lock
 * and what to do after a deletion, and shows `state`.
 */
import type { Db } from '../store/db';
import * as repo from '../store/repository';
import type { ForgetSummary } from '../store/forget';
import { checkRetention, DEFAULT_RETENTION, RETENTION_SETTING, RetentionEnforcer, retentionDeleted, RetentionError, type RetentionSettings } from '../store/retention';
import { storageUsage, type StorageUsage } from '../store/usage';

export interface PrivacyState {
  retention: RetentionSettings;
  /** What is stored and how much room it takes; null until first read. */
  usage: StorageUsage | null;
  /** The browser's answer to the last navigator.storage.persist() request; null when none was made. */
  persistGranted: boolean | null;
}

export interface RetentionHost {
  db(): Db | null;
  /** Encryption is on and the key is not in memory. */
  locked(): boolean;
  /** The stream being captured now, which retention never deletes. */
  liveStream(): string | null;
  /** Refreshes the screen, the worker and the adapter after retention deleted something. */
  afterDeletion(summary: ForgetSummary): Promise<void>;
  notice(text: string): void;
  fail(message: string): void;
  /** state changed (a fresh object each time). */
  changed(): void;
}

/** "3 memories (with thumbnails), 1 question, 1 stream; adapter v2 marked stale" */
export function describeDeletion(s: ForgetSummary): string {
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  const parts = [`${n(s.memories, 'memory', 'memories')} (with thumbnails)`, n(s.tasks, 'question'), n(s.streams, 'stream')];
  const stale = s.staleVersions.length ? `; adapter ${s.staleVersions.map((v) => `v${v.version}`).join(', ')} marked stale` : '';
  return `${parts.join(', ')}${stale}`;
}

export class RetentionManager {
  state: PrivacyState = { retention: { ...DEFAULT_RETENTION }, usage: null, persistGranted: null };
  private readonly enforcer = new RetentionEnforcer();
  private run: Promise<void> | null = null;
  private again = false;

  constructor(private readonly host: RetentionHost) {}

  private set(patch: Partial<PrivacyState>) {
    this.state = { ...this.state, ...patch };
    this.host.changed();
  }

  /** Reads the stored setting (after opening the store, an import, or deleting everything). */
  async load(db: Db) {
    const stored = await repo.getSetting<unknown>(db, RETENTION_SETTING, DEFAULT_RETENTION);
    try {
      this.set({ retention: checkRetention(stored) });
    } catch (e) {
      // A damaged setting must not delete anything: fall back to keeping everything, and say so.
      this.set({ retention: { ...DEFAULT_RETENTION } });
      this.host.notice(`The stored retention setting was invalid (${e instanceof Error ? e.message : String(e)}); nothing is deleted by age or size until you set it again.`);
    }
  }

  /**
   * Sets retention by age, the storage cap and "keep forever", stores them and applies them at
   * once. Turning "keep forever" on asks the browser for persistent storage. A bad value is
   * refused with a message and changes nothing.
   */
  async setRetention(input: Partial<RetentionSettings>): Promise<boolean> {
    let next: RetentionSettings;
    try {
      next = checkRetention({ ...this.state.retention, ...input });
    } catch (e) {
      this.host.fail(e instanceof RetentionError ? `${e.message} The retention setting was not changed.` : String(e));
      return false;
    }
    await repo.setSetting(this.host.db()!, RETENTION_SETTING, next);
    this.set({ retention: next });
    if (this.host.locked()) this.host.notice('Retention is saved; it applies when you unlock your memories.');
    if (next.keepForever) {
      const granted = navigator.storage?.persist ? await navigator.storage.persist().catch(() => false) : false;
      this.set({ persistGranted: granted });
    }
    await this.schedule();
    await this.refreshIfShown();
    return true;
  }

  /**
   * Runs retention after a write or a settings change; a call during a run asks for one more run,
   * never two at once. Resolves when the run that covers this call is over. The storage table, when
   * shown, is re-read afterwards: it counts the write that called this.
   */
  schedule(): Promise<void> {
    if (this.run) {
      this.again = true;
      return this.run;
    }
    this.run = (async () => {
      do {
        this.again = false;
        await this.apply();
      } while (this.again);
      await this.refreshIfShown();
    })().finally(() => (this.run = null));
    return this.run;
  }

  private async apply() {
    const db = this.host.db();
    if (!db) return;
    const settings = this.state.retention;
    if (settings.keepForever || (settings.maxAgeDays === null && settings.maxMegabytes === null)) return;
    // Locked: questions citing old memories cannot be found without the key; unlocking runs it.
    if (this.host.locked()) return;
    try {
      const live = this.host.liveStream();
      const outcome = await this.enforcer.enforce(db, settings, { keepStreams: live ? [live] : [] });
      for (const s of [outcome.age, outcome.cap]) if (s) await this.host.afterDeletion(s);
      const parts: string[] = [];
      if (outcome.age && retentionDeleted({ ...outcome, cap: null })) parts.push(`older than ${settings.maxAgeDays} days: ${describeDeletion(outcome.age)}`);
      if (outcome.cap && retentionDeleted({ ...outcome, age: null })) parts.push(`over the ${settings.maxMegabytes} MB cap: ${describeDeletion(outcome.cap)}`);
      const notice = [
        parts.length ? `Retention deleted ${parts.join('; ')}.` : '',
        outcome.overCapBy > 0 ? `Storage is still about ${Math.ceil(outcome.overCapBy / 1e6)} MB over the cap: what is left is not memories (questions, adapters, the browser's own overhead).` : '',
      ].filter(Boolean).join(' ');
      if (notice) this.host.notice(notice);
    } catch (e) {
      this.host.fail(`Retention could not run: ${e instanceof Error ? e.message : String(e)}. Nothing was deleted.`);
    }
  }

  /** Reads what is stored and how much room it takes into `state.usage`. */
  async readUsage(): Promise<StorageUsage | null> {
    try {
      const usage = await storageUsage(this.host.db()!);
      this.set({ usage });
      return usage;
    } catch (e) {
      this.host.fail(`Could not read storage usage: ${e instanceof Error ? e.message : String(e)}.`);
      return null;
    }
  }

  /** After a change to what is stored: re-reads usage if the panel has shown it. */
  async refreshIfShown() {
    if (this.state.usage) await this.readUsage();
  }
}

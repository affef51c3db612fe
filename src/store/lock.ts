/**
 * The passphrase lock: switches encryption at rest on and off, unlocks on page load, and forgets
 * the key on lock. Its own state (salt, iterations, an encrypted check value, and whether a switch
 * is under way) is one settings record; the key is held in memory only, never stored.
 *
 * Switching re-writes every private record in batches, each batch in one transaction; a record is
 * rewritten only if it is still in the old form, and the settings record says which way the switch
 * goes, so after a crash or reload the next unlock finishes the job.
 */
import type { Db } from './db';
import { deriveKey, isSealed, makeCheck, MIN_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, randomSalt, verifyCheck, WrongPassphraseError, type Sealed } from './crypto';
import { attachKeyHolder, isSealedRecord, openRecord, sealRecord, SEALED_STORES, type KeyHolder, type SealedStore } from './sealed';

/** Never exported nor imported: it belongs to this device's store, not to the data. */
export const LOCK_SETTING = 'taskmem.lock';

export interface LockRecord {
  salt: Uint8Array;
  iterations: number;
  check: Sealed;
  /** 'on' = records are (being) sealed; 'turning-off' = records are being opened for good. */
  mode: 'on' | 'turning-off';
  /** Set once a sealing pass has finished: later unlocks need not scan the stores again. */
  sealedAll?: boolean;
}

const BATCH = 100;

export function isLockRecord(v: unknown): v is LockRecord {
  const r = v as LockRecord;
  return typeof r === 'object' && r !== null && r.salt instanceof Uint8Array && Number.isInteger(r.iterations) && r.iterations >= MIN_PBKDF2_ITERATIONS && isSealed(r.check) && (r.mode === 'on' || r.mode === 'turning-off');
}

export class PassphraseLock implements KeyHolder {
  private record: LockRecord | null;
  key: CryptoKey | null = null;

  private constructor(private readonly db: Db, record: LockRecord | null) {
    this.record = record;
    attachKeyHolder(db, this);
  }

  /** Reads the lock state of a store and puts the store's reads and writes under it. */
  static async load(db: Db): Promise<PassphraseLock> {
    const row = await db.get('settings', LOCK_SETTING);
    if (row !== undefined && !isLockRecord(row.value))
      throw new Error('The encryption settings in this browser are damaged; your memories stay sealed and cannot be opened.');
    return new PassphraseLock(db, row ? (row.value as LockRecord) : null);
  }

  get enabled(): boolean {
    return this.record !== null;
  }

  get sealsWrites(): boolean {
    return this.record?.mode === 'on';
  }

  get locked(): boolean {
    return this.enabled && this.key === null;
  }

  /** Salt, iterations and check value: what an encrypted export carries to be opened elsewhere. */
  get parameters(): Pick<LockRecord, 'salt' | 'iterations' | 'check'> | null {
    return this.record && { salt: this.record.salt, iterations: this.record.iterations, check: this.record.check };
  }

  /** Switches encryption on and seals every private record; `iterations` is for tests only. */
  async enable(passphrase: string, onProgress?: (sealed: number) => void, iterations = PBKDF2_ITERATIONS) {
    if (this.enabled) throw new Error('Encryption is already on.');
    if (passphrase.length < 8) throw new Error('Choose a passphrase of at least 8 characters (a few unrelated words are best).');
    const salt = randomSalt();
    const key = await deriveKey(passphrase, salt, iterations);
    const record: LockRecord = { salt, iterations, check: await makeCheck(key), mode: 'on' };
    // The record first: from here on every write is sealed, and a crash mid-pass resumes on unlock.
    await this.db.put('settings', { key: LOCK_SETTING, value: record });
    this.record = record;
    this.key = key;
    await this.finishSwitch(onProgress);
  }

  /** Checks the passphrase against the check value, then finishes any switch a crash interrupted. */
  async unlock(passphrase: string, onProgress?: (done: number) => void) {
    if (!this.record) return;
    const key = await this.keyFor(passphrase);
    this.key = key;
    await this.finishSwitch(onProgress);
  }

  /** Opens every record for good and removes the lock; asks the passphrase again on purpose. */
  async disable(passphrase: string, onProgress?: (opened: number) => void) {
    if (!this.record) return;
    const key = await this.keyFor(passphrase);
    this.key = key;
    const record: LockRecord = { ...this.record, mode: 'turning-off', sealedAll: false };
    await this.db.put('settings', { key: LOCK_SETTING, value: record });
    this.record = record;
    await this.finishSwitch(onProgress);
  }

  /** Forgets the key; the data stays sealed until the next unlock. */
  lock() {
    this.key = null;
  }

  /** Removes the lock of an emptied store (the way out of a forgotten passphrase: delete everything). */
  async forget() {
    if (!this.record) return;
    for (const store of SEALED_STORES) if ((await this.db.count(store)) > 0) throw new Error('Delete the stored data before removing the lock.');
    await this.db.delete('settings', LOCK_SETTING);
    this.record = null;
    this.key = null;
  }

  private async keyFor(passphrase: string): Promise<CryptoKey> {
    const r = this.record!;
    const key = await deriveKey(passphrase, r.salt, r.iterations);
    if (!(await verifyCheck(key, r.check))) throw new WrongPassphraseError();
    return key;
  }

  private async finishSwitch(onProgress?: (done: number) => void) {
    if (this.record!.mode === 'on') {
      if (this.record!.sealedAll) return;
      await this.convert('seal', onProgress);
      // Every write since the lock record went in was sealed, so nothing plain can be left now.
      const record: LockRecord = { ...this.record!, sealedAll: true };
      await this.db.put('settings', { key: LOCK_SETTING, value: record });
      this.record = record;
      return;
    }
    await this.convert('open', onProgress);
    await this.db.delete('settings', LOCK_SETTING);
    this.record = null;
    this.key = null;
  }

  /** Rewrites every record still in the other form; records written meanwhile are left as they are. */
  private async convert(direction: 'seal' | 'open', onProgress?: (done: number) => void) {
    const key = this.key!;
    let done = 0;
    for (const store of SEALED_STORES) {
      let after: IDBValidKey | null = null;
      for (;;) {
        const batch = await this.pending(store, direction, after);
        if (batch.rows.length === 0 && batch.last === null) break;
        after = batch.last;
        const rewritten = await Promise.all(batch.rows.map(async ({ key: k, value }) => ({ k, value: direction === 'seal' ? await sealRecord(key, store, value) : await openRecord(key, store, value) })));
        if (rewritten.length) {
          const tx = this.db.transaction(store, 'readwrite');
          for (const { k, value } of rewritten) {
            const now = await tx.store.get(k as never);
            if (now !== undefined && isSealedRecord(now) === (direction === 'open')) await tx.store.put(value as never);
          }
          await tx.done;
          done += rewritten.length;
          onProgress?.(done);
        }
        if (batch.last === null) break;
      }
    }
  }

  /** Up to BATCH records after `after` that still need converting; `last` is null at the store's end. */
  private async pending(store: SealedStore, direction: 'seal' | 'open', after: IDBValidKey | null) {
    const tx = this.db.transaction(store, 'readonly');
    const rows: { key: IDBValidKey; value: object }[] = [];
    let cursor = await tx.store.openCursor((after === null ? null : IDBKeyRange.lowerBound(after, true)) as never);
    let scanned = 0;
    let last: IDBValidKey | null = null;
    while (cursor && scanned < BATCH) {
      if (isSealedRecord(cursor.value) === (direction === 'open')) rows.push({ key: cursor.primaryKey, value: cursor.value });
      last = cursor.primaryKey;
      scanned++;
      cursor = await cursor.continue();
    }
    const atEnd = !cursor;
    await tx.done;
    return { rows, last: atEnd ? null : last };
  }
}

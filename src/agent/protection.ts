/**
 * The agent's protection: the passphrase lock (encryption at rest, src/store/lock.ts) and redaction
 * of new memory text and answers (src/privacy/redact.ts). The controller delegates to it and guards
 * its own actions with `requireUnlocked`; the lock panel shows `state`.
 */
import type { Db } from '../store/db';
import * as repo from '../store/repository';
import { PassphraseLock } from '../store/lock';
import { LockedError } from '../store/sealed';
import { WrongPassphraseError } from '../store/crypto';
import { isSealedExport, openSealedExport, sealExport } from '../store/sealed-export';
import { ImportError } from '../store/transfer';
import { redactText } from '../privacy/redact';

/** The redaction setting's key (off unless the user turns it on). */
export const REDACT_SETTING = 'privacy.redact';

export interface ProtectionState {
  /** A passphrase lock is on (records are sealed at rest). */
  encrypted: boolean;
  /** On, and the key is not in memory: nothing is shown, captured or written until unlocked. */
  locked: boolean;
  /** What a running switch, unlock or import is doing, for a status line. */
  busy: string | null;
  error: string | null;
  redact: boolean;
  /** An encrypted export was chosen for import and waits for its passphrase. */
  importNeedsPassphrase: boolean;
}

export interface ProtectionHost {
  /** state changed (a fresh object each time). */
  changed(): void;
  /** Unlocked: activate the adapter and show the newest stream. */
  showStored(): Promise<void>;
  /** Locking: stop capture and drop everything private from the screen. */
  hideAll(): void;
}

export class ProtectionManager {
  state: ProtectionState = { encrypted: false, locked: false, busy: null, error: null, redact: false, importNeedsPassphrase: false };
  private db: Db | null = null;
  private lock: PassphraseLock | null = null;
  private pendingImport: Blob | null = null;

  constructor(private readonly host: ProtectionHost) {}

  /** Reads the lock and the redaction setting of a just-opened store. */
  async load(db: Db) {
    this.db = db;
    this.lock = await PassphraseLock.load(db);
    this.set({ redact: await repo.getSetting(db, REDACT_SETTING, false) });
  }

  get locked(): boolean {
    return this.lock?.locked ?? false;
  }

  private set(patch: Partial<ProtectionState>) {
    this.state = { ...this.state, encrypted: this.lock?.enabled ?? false, locked: this.locked, ...patch };
    this.host.changed();
  }

  /** Refuses an action that reads or writes private data while the memories are locked. */
  requireUnlocked(action: string) {
    if (this.locked) throw new LockedError(`Your memories are locked: unlock them with your passphrase before ${action}.`);
  }

  redacted(text: string): string {
    return this.state.redact ? redactText(text) : text;
  }

  /** Runs one lock operation with a status line; a wrong passphrase or failure is shown and changes nothing. */
  private async run(busy: string, op: (lock: PassphraseLock, progress: (n: number) => void) => Promise<void>): Promise<boolean> {
    if (!this.lock) return false;
    this.set({ busy, error: null });
    try {
      await op(this.lock, (n) => this.set({ busy: `${busy} (${n} records so far)` }));
      this.set({ busy: null });
      return true;
    } catch (e) {
      this.set({ busy: null, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  async enable(passphrase: string) {
    await this.run('Encrypting stored memories…', (lock, p) => lock.enable(passphrase, p));
  }

  async unlock(passphrase: string) {
    if (await this.run('Unlocking…', (lock, p) => lock.unlock(passphrase, p))) await this.host.showStored();
  }

  async disable(passphrase: string) {
    const wasLocked = this.locked;
    if ((await this.run('Decrypting stored memories…', (lock, p) => lock.disable(passphrase, p))) && wasLocked) await this.host.showStored();
  }

  lockNow() {
    if (!this.lock?.enabled) return;
    this.host.hideAll();
    this.lock.lock();
    this.set({ error: null });
  }

  async setRedaction(on: boolean) {
    if (!this.db) return;
    await repo.setSetting(this.db, REDACT_SETTING, on);
    this.set({ redact: on });
  }

  /** With encryption on, the export file is sealed too: it opens only with the same passphrase. */
  async sealedIfOn(plain: Blob): Promise<Blob> {
    const lock = this.lock;
    return lock?.enabled && lock.key ? sealExport(await plain.text(), lock.key, lock.parameters!) : plain;
  }

  /**
   * The export text to validate and import: a plain file as it is, an encrypted one opened with its
   * passphrase, or null when an encrypted one waits for the passphrase (the panel asks for it).
   */
  async importText(file: Blob, passphrase?: string): Promise<string | null> {
    this.requireUnlocked('importing');
    // A switch rewrites records in batches; an import replacing one meanwhile could be undone by it.
    if (this.state.busy) throw new ImportError('Encryption is being switched; import again when it has finished. Nothing was imported.');
    const text = await file.text();
    if (!isSealedExport(text)) return text;
    if (passphrase === undefined) {
      this.pendingImport = file;
      this.set({ importNeedsPassphrase: true, error: null });
      return null;
    }
    this.set({ busy: 'Opening the encrypted export…', error: null });
    try {
      const plain = await openSealedExport(text, passphrase);
      this.pendingImport = null;
      this.set({ busy: null, importNeedsPassphrase: false });
      return plain;
    } catch (e) {
      this.set({ busy: null, error: e instanceof WrongPassphraseError ? e.message : this.state.error });
      throw e;
    }
  }

  /** The encrypted export waiting for its passphrase, if any. */
  get pending(): Blob | null {
    return this.pendingImport;
  }

  cancelImport() {
    this.pendingImport = null;
    this.set({ importNeedsPassphrase: false });
  }

  /** Settings came in with an import or went with a deletion: read the redaction switch again. */
  async settingsChanged() {
    if (this.db) this.set({ redact: await repo.getSetting(this.db, REDACT_SETTING, false) });
  }

  /** Everything was deleted: a locked store (a forgotten passphrase) loses its lock too, or it stays unusable. */
  async afterDeleteEverything() {
    if (this.locked) await this.lock!.forget();
    this.set({ error: null });
    await this.settingsChanged();
  }
}

/** Errors whose message is already what the user should read. */
export function isProtectionError(e: unknown): e is Error {
  return e instanceof WrongPassphraseError || e instanceof LockedError;
}

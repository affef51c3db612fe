/**
 * The agent: wires a capture source to the sampler, the bounded clip queue, the inference worker
 * and the store, and answers questions from stored memory. UI components read `state` and listen
 * for `change`; they never touch the worker or IndexedDB themselves.
 */
import { ClipSampler, DEFAULT_SAMPLER } from '../capture/sampler';
import { ClipQueue, type QueueState } from '../capture/clip-queue';
import type { FrameSource } from '../capture/sources';
import { InferenceClient } from '../worker/client';
import { getModelSpec, type Dtype, type ModelSpec } from '../memorize/registry';
import { inferQuestionType } from '../recall/question-type';
import { answerFromMemory, type Answer, type AnswerOptions, type CitableMemory } from '../recall/answerer';
import { openTaskMemDb, type Db } from '../store/db';
import * as repo from '../store/repository';
import type { StoredMemory, StreamRecord } from '../store/schema';
import { thumbnailOf } from './thumbnail';
import { exportAll, importAll, ImportError } from '../store/transfer';
import type { AdapterTrainingOptions, DevicePreference } from '../worker/protocol';
import { AdapterManager, type AdapterState } from './adapter-manager';
import { PassphraseLock } from '../store/lock';
import { LockedError } from '../store/sealed';
import { WrongPassphraseError } from '../store/crypto';
import { isSealedExport, openSealedExport, sealExport } from '../store/sealed-export';
import { redactText } from '../privacy/redact';

/** The redaction setting's key (off unless the user turns it on). */
export const REDACT_SETTING = 'privacy.redact';

/** Encryption at rest and redaction, as the lock panel shows them. */
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

export interface ModelState {
  id: string;
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadedBytes: number;
  totalBytes: number;
  device: 'webgpu' | 'wasm' | null;
  /** The weight precision asked for until loaded, then the one in use. */
  dtype: Dtype;
  notice: string | null;
}

export interface ChatEntry {
  id: number;
  role: 'user' | 'agent';
  text: string;
  pending: boolean;
  citations: { streamId: string; clipIndex: number }[];
  abstained: boolean;
}

export interface AgentState {
  model: ModelState;
  capturing: boolean;
  sourceTitle: string | null;
  streamId: string | null;
  queue: QueueState;
  memorizing: boolean;
  memories: StoredMemory[];
  rejected: { clipIndex: number; t0: number; t1: number; reason: string }[];
  chat: ChatEntry[];
  adapter: AdapterState;
  protection: ProtectionState;
  error: string | null;
  notice: string | null;
}

export interface AgentOptions {
  modelId: string;
  clipSeconds: number;
  device: DevicePreference;
  /** Weight precision; absent or not offered by the model = the model's default. */
  dtype?: Dtype;
  queueCapacity: number;
  dbName?: string;
}

export class AgentController extends EventTarget {
  readonly state: AgentState;
  private db: Db | null = null;
  private client: InferenceClient | null = null;
  private source: FrameSource | null = null;
  private sampler: ClipSampler | null = null;
  private queue: ClipQueue;
  private timer: ReturnType<typeof setInterval> | null = null;
  private chatId = 0;
  private spec: ModelSpec;
  private readonly adapter: AdapterManager;
  private initialized: Promise<void> | null = null;
  private modelLoading: Promise<void> | null = null;
  private lock: PassphraseLock | null = null;
  private pendingImport: Blob | null = null;

  constructor(readonly options: AgentOptions) {
    super();
    this.spec = getModelSpec(options.modelId);
    this.queue = this.makeQueue();
    this.adapter = new AdapterManager({
      spec: this.spec,
      db: () => this.db,
      readyClient: async () => {
        await this.loadModel();
        return this.client!;
      },
      loadedClient: () => (this.state.model.status === 'ready' ? this.client : null),
      // A fresh object per change, so components bound to state.adapter see every change.
      changed: () => {
        this.state.adapter = { ...this.adapter.state };
        this.changed();
      },
      emit: (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail })),
    });
    this.state = {
      model: { id: options.modelId, status: 'idle', loadedBytes: 0, totalBytes: 0, device: null, dtype: options.dtype ?? this.spec.defaultDtype, notice: null },
      capturing: false,
      sourceTitle: null,
      streamId: null,
      queue: this.queue.state,
      memorizing: false,
      memories: [],
      rejected: [],
      chat: [],
      adapter: { ...this.adapter.state },
      protection: { encrypted: false, locked: false, busy: null, error: null, redact: false, importNeedsPassphrase: false },
      error: null,
      notice: null,
    };
  }

  private makeQueue() {
    return new ClipQueue(this.options.queueCapacity, (s, e) => {
      this.state.queue = s;
      if (e) this.state.notice = `Memorization is behind the stream: clips ${e.merged[0].clipIndex} and ${e.merged[1].clipIndex} were merged into one memory so no time is lost.`;
      this.changed();
    });
  }

  private changed() {
    this.dispatchEvent(new Event('change'));
  }

  private fail(message: string) {
    this.state.error = message;
    this.changed();
    this.dispatchEvent(new CustomEvent('agent-error', { detail: { message } }));
  }

  /** Opens the store, shows the newest stream and activates the newest adapter; runs once. */
  init(): Promise<void> {
    this.initialized ??= (async () => {
      this.db = await openTaskMemDb(this.options.dbName);
      this.lock = await PassphraseLock.load(this.db);
      this.setProtection({ redact: await repo.getSetting(this.db, REDACT_SETTING, false) });
      // Locked: nothing is read until the passphrase is given (unlock() shows the memories then).
      if (!this.lock.locked) await this.showStored();
    })().catch((e: unknown) => {
      this.initialized = null; // a later call may try again
      throw e;
    });
    return this.initialized;
  }

  /** Activates the newest adapter and shows the newest stream. */
  private async showStored() {
    const db = this.db!;
    await this.adapter.load(db);
    const streams = await repo.listStreams(db);
    const last = streams[streams.length - 1];
    if (last) await this.showStream(last.id);
  }

  private setProtection(patch: Partial<ProtectionState>) {
    const lock = this.lock;
    this.state.protection = { ...this.state.protection, encrypted: lock?.enabled ?? false, locked: lock?.locked ?? false, ...patch };
    this.changed();
  }

  /** Refuses an action that reads or writes private data while the memories are locked. */
  private requireUnlocked(action: string) {
    if (this.lock?.locked) throw new LockedError(`Your memories are locked: unlock them with your passphrase before you ${action}.`);
  }

  /** Runs one lock operation with a status line; a wrong passphrase or failure is shown and changes nothing. */
  private async protect(busy: string, op: (lock: PassphraseLock, progress: (n: number) => void) => Promise<void>): Promise<boolean> {
    await this.init();
    this.setProtection({ busy, error: null });
    try {
      await op(this.lock!, (n) => this.setProtection({ busy: `${busy} (${n} records so far)` }));
      this.setProtection({ busy: null });
      return true;
    } catch (e) {
      this.setProtection({ busy: null, error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  /** Switches encryption at rest on: every private record is sealed in one pass, new ones as written. */
  async enableEncryption(passphrase: string) {
    if (await this.protect('Encrypting stored memories…', (lock, p) => lock.enable(passphrase, p))) this.setProtection({});
  }

  /** Gives the passphrase; on success the memories are shown, on failure nothing changes. */
  async unlock(passphrase: string) {
    if (await this.protect('Unlocking…', (lock, p) => lock.unlock(passphrase, p))) await this.showStored();
  }

  /** Decrypts every record for good and removes the lock; needs the passphrase again. */
  async disableEncryption(passphrase: string) {
    await this.init();
    const wasLocked = this.lock?.locked;
    if ((await this.protect('Decrypting stored memories…', (lock, p) => lock.disable(passphrase, p))) && wasLocked) await this.showStored();
  }

  /** Forgets the key now: capture stops and nothing private stays on screen until the next unlock. */
  async lockNow() {
    await this.init();
    if (!this.lock?.enabled) return;
    this.stop();
    this.lock.lock();
    Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [] });
    this.setProtection({ error: null });
  }

  /** Turns masking of secrets and personal data in new memories and answers on or off. */
  async setRedaction(on: boolean) {
    await this.init();
    await repo.setSetting(this.db!, REDACT_SETTING, on);
    this.setProtection({ redact: on });
  }

  private redacted(text: string): string {
    return this.state.protection.redact ? redactText(text) : text;
  }

  async showStream(streamId: string) {
    if (!this.db) return;
    this.state.streamId = streamId;
    this.state.memories = await repo.memoriesOf(this.db, streamId);
    this.changed();
  }

  /** Loads the model once; callers during a load wait for that load. */
  loadModel(): Promise<void> {
    if (this.state.model.status === 'ready') return Promise.resolve();
    this.modelLoading ??= this.doLoadModel().finally(() => (this.modelLoading = null));
    return this.modelLoading;
  }

  private async doLoadModel() {
    this.client ??= InferenceClient.create();
    this.state.model = { ...this.state.model, status: 'loading', loadedBytes: 0, totalBytes: 0 };
    this.changed();
    const progress = new Map<string, [number, number]>();
    try {
      const loaded = await this.client.load(this.spec.id, this.options.device, (file, loadedBytes, total) => {
        progress.set(file, [loadedBytes, total]);
        let l = 0;
        let t = 0;
        for (const [a, b] of progress.values()) {
          l += a;
          t += b;
        }
        this.state.model = { ...this.state.model, loadedBytes: l, totalBytes: t };
        this.changed();
      }, this.options.dtype);
      // The active adapter reaches the worker before the model counts as ready, so no memory is
      // written by the plain model while an adapter is active.
      await this.init().catch(() => undefined); // no store: no stored adapter, the model still works
      await this.adapter.onModelLoaded(this.client, loaded.steer);
      this.state.model = { ...this.state.model, status: 'ready', device: loaded.device, dtype: loaded.dtype, notice: loaded.notice ?? null };
      this.changed();
    } catch (e) {
      this.state.model = { ...this.state.model, status: 'error' };
      this.fail(`The model could not be loaded: ${e instanceof Error ? e.message : String(e)}. Stored memories are unaffected.`);
      throw e;
    }
  }

  /** Seconds of stream captured so far, or null when not capturing (for lag displays and benchmarks). */
  streamTime(): number | null {
    return this.source ? this.source.now() : null;
  }

  /** Starts memorizing a source; memories appear in `state.memories` as they are written. */
  async start(source: FrameSource) {
    await this.init();
    if (this.lock?.locked) {
      source.stop();
      this.fail('Your memories are locked: unlock them with your passphrase before capturing, so new memories are stored encrypted.');
      return;
    }
    this.stop();
    const stream: StreamRecord = {
      id: `${source.kind}-${Date.now().toString(36)}`,
      title: source.title,
      source: source.kind,
      createdAt: Date.now(),
      modelId: this.spec.id,
      clipSeconds: this.options.clipSeconds,
    };
    await repo.putStream(this.db!, stream);
    this.source = source;
    this.queue = this.makeQueue();
    this.sampler = new ClipSampler({ ...DEFAULT_SAMPLER, streamId: stream.id, clipSeconds: this.options.clipSeconds, framesPerClip: this.spec.frame.perClip });
    Object.assign(this.state, { capturing: true, sourceTitle: source.title, streamId: stream.id, memories: [], rejected: [], error: null, notice: null });
    this.changed();
    source.onEnded((reason) => this.onSourceEnded(reason));
    const { width, height } = this.spec.frame;
    this.timer = setInterval(() => {
      const frame = this.source?.grab(width, height);
      if (!frame || !this.sampler) return;
      for (const clip of this.sampler.push(frame)) this.queue.push(clip);
    }, 250);
    // Sampling runs from the moment the source opens: clips taken while the model still loads wait
    // in the queue, so the stream's first seconds are memorized too.
    try {
      await this.loadModel();
    } catch {
      if (this.source === source) this.stop();
      return;
    }
    void this.memorizeLoop(stream.id);
  }

  private onSourceEnded(reason: string) {
    if (!this.state.capturing) return;
    const flushed = this.sampler?.flush(this.source?.now() ?? 0);
    if (flushed) this.queue.push(flushed);
    this.stopTimer();
    this.state.capturing = false;
    this.state.notice = `${reason} Memories written so far are kept.`;
    this.changed();
  }

  private stopTimer() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  stop() {
    if (!this.source) return;
    const s = this.source;
    this.source = null;
    s.stop();
    this.stopTimer();
    this.state.capturing = false;
    this.changed();
  }

  private async memorizeLoop(streamId: string) {
    const queue = this.queue;
    while (this.state.streamId === streamId && this.client) {
      const clip = await queue.next();
      if (this.state.streamId !== streamId) return;
      this.state.memorizing = true;
      this.changed();
      try {
        const result = await this.client.memorize(clip, this.adapter.memorizeVersion, this.adapter.recentClipCount);
        if (result.ok) {
          const thumb = await thumbnailOf(clip.frames[clip.frames.length - 1]).catch(() => undefined);
          const memory: StoredMemory = { ...result.memory, text: this.redacted(result.memory.text), createdAt: Date.now(), thumbnail: thumb };
          await repo.putMemory(this.db!, memory);
          this.state.memories = [...this.state.memories, memory];
          this.dispatchEvent(new CustomEvent('memory', { detail: memory }));
        } else {
          this.state.rejected = [...this.state.rejected, { clipIndex: clip.clipIndex, t0: clip.t0, t1: clip.t1, reason: result.rejected.reason }];
        }
      } catch (e) {
        this.fail(`Memorizing clip ${clip.clipIndex} failed: ${e instanceof Error ? e.message : String(e)}. Earlier memories are kept.`);
      } finally {
        this.state.memorizing = false;
        this.changed();
      }
    }
  }

  /**
   * Answers from the current stream's stored memories only (no chat entry, no task record): the
   * chat and the browser run of the benchmark protocol both go through here. `asOf` limits memory
   * to clips that ended by that stream time.
   */
  async answer(question: string, opts: Pick<AnswerOptions, 'asOf' | 'choices' | 'onToken'> = {}): Promise<Answer> {
    await this.loadModel();
    const memories: CitableMemory[] = this.state.memories.map((m) => ({ ...m }));
    const client = this.client!;
    return answerFromMemory(
      { generate: (messages, _f, o) => client.generate(messages, { maxNewTokens: o?.maxNewTokens, onToken: o?.onToken }) },
      memories,
      question,
      opts,
    );
  }

  /** Answers from the current stream's stored memories only, streaming tokens into the chat. */
  async ask(question: string) {
    const q = question.trim();
    if (!q) return;
    if (q.length > 2000) {
      this.fail('That question is too long (2000 characters at most).');
      return;
    }
    if (this.lock?.locked) {
      this.fail('Your memories are locked: unlock them with your passphrase to ask about them.');
      return;
    }
    const user: ChatEntry = { id: ++this.chatId, role: 'user', text: q, pending: false, citations: [], abstained: false };
    const replyId = ++this.chatId;
    // Entries are replaced, never mutated, so components see every change.
    const update = (patch: Partial<ChatEntry>) => {
      this.state.chat = this.state.chat.map((e) => (e.id === replyId ? { ...e, ...patch } : e));
      this.changed();
    };
    this.state.chat = [...this.state.chat, user, { id: replyId, role: 'agent', text: '', pending: true, citations: [], abstained: false }];
    this.changed();
    let streamed = '';
    try {
      const answer = await this.answer(q, {
        onToken: (t) => {
          streamed += t;
          update({ text: this.redacted(streamed) });
        },
      });
      update({
        pending: false,
        text: answer.abstained ? "I don't know: my memory of this stream doesn't say." : this.redacted(answer.text),
        citations: answer.citations,
        abstained: answer.abstained,
      });
      await repo.addTask(this.db!, {
        askedAt: Date.now(), streamId: this.state.streamId, streamTime: this.source?.now() ?? null, question: this.redacted(q),
        type: inferQuestionType(q), answer: this.redacted(answer.text), answered: !answer.abstained, citations: answer.citations,
      });
      this.dispatchEvent(new CustomEvent('answer', { detail: { question: q, answer: answer.text, abstained: answer.abstained, citations: answer.citations } }));
      // Not awaited: an automatic training runs alongside memorization and reports through state.adapter.
      void this.adapter.onTaskAdded();
    } catch (e) {
      update({ pending: false, text: `Could not answer: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Trains a new adapter version on the recent questions and clips; memorization goes on meanwhile. */
  async trainAdapter() {
    await this.init();
    this.requireUnlocked('train the adapter');
    await this.adapter.train();
  }

  /** Stops a running adapter training; the active version is unchanged. */
  async cancelAdapterTraining() {
    await this.adapter.cancel();
  }

  /** Back to no adapter (the plain model); stored versions are kept as history. */
  async resetAdapter() {
    await this.init();
    await this.adapter.reset();
  }

  /** Pauses (false) or resumes (true) automatic training after every N new questions. */
  async setAdapterAuto(on: boolean) {
    await this.init();
    await this.adapter.setAuto(on);
  }

  /** N for automatic training (stored with the settings; default 5). */
  async setAdapterAutoEvery(n: number) {
    await this.init();
    await this.adapter.setAutoEvery(n);
  }

  /** Phase Two knobs (steps, candidates, batch, temperature, seed), stored with the settings. */
  async setAdapterTrainingOptions(options: AdapterTrainingOptions) {
    await this.init();
    await this.adapter.setTrainingOptions(options);
  }

  /** Everything stored, as one JSON file (memories, thumbnails, tasks, adapters, settings). */
  async exportData(): Promise<Blob> {
    await this.init();
    this.requireUnlocked('export');
    const plain = await exportAll(this.db!);
    // With encryption on, the file is sealed too: it opens only with the same passphrase.
    const lock = this.lock!;
    return lock.enabled && lock.key ? sealExport(await plain.text(), lock.key, lock.parameters!) : plain;
  }

  /** Imports the encrypted export waiting for its passphrase; a wrong one is refused and it keeps waiting. */
  async importWithPassphrase(passphrase: string): Promise<string | null> {
    const file = this.pendingImport;
    if (!file) return null;
    return this.importData(file, passphrase).catch(() => null);
  }

  cancelImport() {
    this.pendingImport = null;
    this.setProtection({ importNeedsPassphrase: false });
  }

  /** Imports an export; a bad file is refused with a message and nothing changes. */
  async importData(file: Blob, passphrase?: string): Promise<string> {
    await this.init();
    try {
      this.requireUnlocked('import');
      // A switch rewrites records in batches; an import replacing one meanwhile could be undone by it.
      if (this.state.protection.busy) throw new ImportError('Encryption is being switched; import again when it has finished. Nothing was imported.');
      let text = await file.text();
      if (isSealedExport(text)) {
        if (passphrase === undefined) {
          this.pendingImport = file;
          this.state.notice = 'This export is encrypted: enter its passphrase to import it.';
          this.setProtection({ importNeedsPassphrase: true, error: null });
          return this.state.notice;
        }
        this.setProtection({ busy: 'Opening the encrypted export…', error: null });
        text = await openSealedExport(text, passphrase).finally(() => this.setProtection({ busy: null }));
        this.pendingImport = null;
        this.setProtection({ importNeedsPassphrase: false });
      }
      const summary = await importAll(this.db!, text);
      await this.adapter.reload(this.db!);
      this.setProtection({ redact: await repo.getSetting(this.db!, REDACT_SETTING, false) }); // imported settings include it
      const streams = await repo.listStreams(this.db!);
      if (!this.state.capturing && streams.length) await this.showStream(streams[streams.length - 1].id);
      this.state.notice = `Imported ${summary.memories} memories from ${summary.streams} streams, ${summary.tasks} questions and ${summary.adapters} adapters.`;
      this.state.error = null;
      this.changed();
      return this.state.notice;
    } catch (e) {
      if (e instanceof WrongPassphraseError) this.setProtection({ error: e.message });
      const known = e instanceof ImportError || e instanceof WrongPassphraseError || e instanceof LockedError;
      this.fail(known ? e.message : `Import failed: ${e instanceof Error ? e.message : String(e)}. Nothing was changed.`);
      throw e;
    }
  }

  async deleteCurrentStream() {
    const id = this.state.streamId;
    if (!id || !this.db) return;
    if (this.state.capturing) this.stop();
    await repo.deleteStream(this.db, id);
    Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [], notice: 'The stream and its memories were deleted.' });
    const streams = await repo.listStreams(this.db);
    if (streams.length) await this.showStream(streams[streams.length - 1].id);
    this.changed();
  }

  async deleteEverything() {
    if (!this.db) return;
    if (this.state.capturing) this.stop();
    // A training that finished after the deletion would store a version of deleted data.
    await this.adapter.cancel();
    await repo.deleteEverything(this.db);
    // Locked (a forgotten passphrase): with the data gone, the lock goes too, or the store stays unusable.
    if (this.lock?.locked) await this.lock.forget();
    this.setProtection({ error: null, redact: false }); // settings were deleted with the rest
    await this.adapter.reload(this.db);
    Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [], notice: 'Everything was deleted.' });
    this.changed();
  }

  dispose() {
    this.stop();
    this.client?.terminate();
    this.client = null;
    this.db?.close();
  }
}

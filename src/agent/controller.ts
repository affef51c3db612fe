/**
 * The agent: wires a capture source to the sampler, the bounded clip queue, the inference worker
 * and the store, and answers questions from stored memory. UI components read `state` and listen
 * for `change`; they never touch the worker or IndexedDB themselves.
 */
import { ClipSampler, DEFAULT_SAMPLER, samplingInterval } from '../capture/sampler';
import { ClipQueue, type QueueState } from '../capture/clip-queue';
import type { FrameSource } from '../capture/sources';
import { InferenceClient, WorkerLostError } from '../worker/client';
import { getModelSpec, type Dtype, type ModelSpec } from '../memorize/registry';
import { inferQuestionType } from '../recall/question-type';
import { answerFromMemory, type Answer, type AnswerOptions, type CitableMemory } from '../recall/answerer';
import { openTaskMemDb, type Db } from '../store/db';
import * as repo from '../store/repository';
import type { StoredMemory, StreamRecord } from '../store/schema';
import { thumbnailOf } from './thumbnail';
import { exportAll, importAll, ImportError } from '../store/transfer';
import type { AdapterTrainingOptions, DevicePreference, InjectedFault, WorkerStats } from '../worker/protocol';
import { isQuotaError, markCapturing, takeInterruptedCapture } from './faults';
import { AdapterManager, type AdapterState } from './adapter-manager';
import { isProtectionError, ProtectionManager, type ProtectionState } from './protection';

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
  /** Encryption at rest and redaction (the lock panel). */
  protection: ProtectionState;
  error: string | null;
  notice: string | null;
  /** What the user can do about the current error: retry the model download, or resume storing once space is freed. */
  recovery: 'retry-model' | 'resume-writing' | null;
  /** Seconds between sampled frames now, and why it is slower than normal (hidden tab, memorization behind). */
  sampling: { everySeconds: number; reasons: ('hidden' | 'behind')[] };
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
  private readonly protection: ProtectionManager;
  private initialized: Promise<void> | null = null;
  private modelLoading: Promise<void> | null = null;
  /** After a device loss the worker restarts on WASM, whatever options.device says. */
  private deviceOverride: DevicePreference | null = null;
  /** A worker restart in progress (after a crash or a device loss); the memorize loop waits for it. */
  private restarting: Promise<void> | null = null;
  /** Memories written by the model but not stored because storage was full; stored first on resume. */
  private unsaved: StoredMemory[] = [];
  private resumeWrites: (() => void) | null = null;
  private loopStream: string | null = null;
  private readonly onVisibility = () => {
    if (this.adjustSampling()) this.changed();
  };

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
    this.protection = new ProtectionManager({
      changed: () => {
        this.state.protection = this.protection.state;
        this.changed();
      },
      showStored: () => this.showStored(),
      hideAll: () => {
        this.stop();
        Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [] });
      },
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
      protection: this.protection.state,
      error: null,
      notice: null,
      recovery: null,
      sampling: { everySeconds: DEFAULT_SAMPLER.sampleEverySeconds, reasons: [] },
    };
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Sampling backs off while the tab is hidden and while memorization is behind (samplingInterval). */
  private adjustSampling() {
    const next = samplingInterval(DEFAULT_SAMPLER.sampleEverySeconds, {
      hidden: typeof document !== 'undefined' && document.visibilityState === 'hidden',
      waiting: this.queue.state.waiting,
      capacity: this.queue.capacity,
    });
    this.sampler?.setSampleEvery(next.everySeconds);
    const cur = this.state.sampling;
    if (cur.everySeconds === next.everySeconds && cur.reasons.join() === next.reasons.join()) return false;
    this.state.sampling = next;
    return true;
  }

  private makeQueue() {
    return new ClipQueue(this.options.queueCapacity, (s, e) => {
      this.state.queue = s;
      this.adjustSampling();
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
      await this.protection.load(this.db);
      // Locked: nothing is read until the passphrase is given (unlock() shows the memories then).
      if (!this.protection.locked) await this.showStored();
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
    const interrupted = takeInterruptedCapture(this.options.dbName);
    if (interrupted && !this.state.capturing) {
      const stream = streams.find((s) => s.id === interrupted);
      if (stream) {
        const kept = (await repo.memoriesOf(db, stream.id)).length;
        this.state.notice = `The page was closed or reloaded while capturing "${stream.title}". The ${kept} ${kept === 1 ? 'memory' : 'memories'} stored before that ${kept === 1 ? 'is' : 'are'} kept; a memory being written at that moment was not stored. Choose a source to capture again.`;
        this.changed();
      }
    }
  }

  /** Switches encryption at rest on: stored private records are sealed in one pass, new ones as written. */
  async enableEncryption(passphrase: string) {
    await this.init();
    await this.protection.enable(passphrase);
  }

  /** Gives the passphrase; right: the memories are shown; wrong: refused, nothing changes. */
  async unlock(passphrase: string) {
    await this.init();
    await this.protection.unlock(passphrase);
  }

  /** Decrypts every record for good and removes the lock; asks the passphrase again on purpose. */
  async disableEncryption(passphrase: string) {
    await this.init();
    await this.protection.disable(passphrase);
  }

  /** Forgets the key now: capture stops and nothing private stays on screen until the next unlock. */
  async lockNow() {
    await this.init();
    this.protection.lockNow();
  }

  /** Masking of secrets and personal data in new memories and answers (off by default). */
  async setRedaction(on: boolean) {
    await this.init();
    await this.protection.setRedaction(on);
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
    if (!this.client || this.client.lost) {
      const client = InferenceClient.create();
      client.onLost((e) => this.onWorkerLost(client, e));
      this.client = client;
    }
    this.state.model = { ...this.state.model, status: 'loading', loadedBytes: 0, totalBytes: 0 };
    if (this.state.recovery === 'retry-model') Object.assign(this.state, { recovery: null, error: null });
    this.changed();
    const progress = new Map<string, [number, number]>();
    try {
      const loaded = await this.client.load(this.spec.id, this.deviceOverride ?? this.options.device, (file, loadedBytes, total) => {
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
      // ONNX Runtime is not reliably usable after it failed to parse a model (a later load of good
      // files in the same worker still fails), so a retry starts from a fresh worker.
      this.client?.terminate();
      this.client = null;
      this.state.model = { ...this.state.model, status: 'error' };
      this.state.recovery = 'retry-model';
      this.fail(`The model could not be loaded: ${e instanceof Error ? e.message : String(e)}. Stored memories are unaffected; press "Retry loading the model" to try again.`);
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
    if (this.protection.locked) {
      // Refused rather than queued: while locked no memory could be stored encrypted.
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
    this.unsaved = [];
    this.sampler = new ClipSampler({ ...DEFAULT_SAMPLER, streamId: stream.id, clipSeconds: this.options.clipSeconds, framesPerClip: this.spec.frame.perClip });
    Object.assign(this.state, { capturing: true, sourceTitle: source.title, streamId: stream.id, memories: [], rejected: [], error: null, notice: null, recovery: null });
    this.adjustSampling();
    markCapturing(this.options.dbName, stream.id);
    this.changed();
    source.onEnded((reason) => this.onSourceEnded(reason));
    const { width, height } = this.spec.frame;
    this.timer = setInterval(() => {
      const sampler = this.sampler;
      // Grabbing (drawing the video and reading it back) is the costly part: only when the sampler wants the frame.
      if (!this.source || !sampler || !sampler.due(this.source.now())) return;
      const frame = this.source.grab(width, height);
      if (!frame) return;
      for (const clip of sampler.push(frame)) this.queue.push(clip);
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

  /** The retry the UI offers after a failed model download: loads again, then memorizes what waits. */
  async retryModel() {
    await this.loadModel().catch(() => undefined);
    if (this.state.model.status === 'ready' && this.state.streamId && this.loopStream !== this.state.streamId) void this.memorizeLoop(this.state.streamId);
  }

  /**
   * The worker crashed or lost its GPU: requests in flight failed with `e`. A new worker loads the
   * model (on WASM after a device loss: the GPU that failed may fail again), gets the sliding
   * window of the stream back, and the memorize loop goes on with the clip that failed.
   */
  private onWorkerLost(client: InferenceClient, e: WorkerLostError) {
    if (client !== this.client) return;
    if (e.kind === 'device-lost') this.deviceOverride = 'wasm';
    this.state.model = { ...this.state.model, status: 'idle', device: null };
    this.state.notice =
      e.kind === 'device-lost'
        ? `The GPU stopped working (${e.message}). Restarting the model on the CPU (WASM), which is slower; memories already stored are kept and waiting clips will be memorized.`
        : `The model worker crashed (${e.message}). Restarting it; memories already stored are kept and waiting clips will be memorized.`;
    this.changed();
    const restart = (async () => {
      await this.loadModel();
      const streamId = this.state.streamId;
      if (streamId) await this.client!.restoreWindow(streamId, this.state.memories.map(({ t0, t1, text }) => ({ t0, t1, text })));
      this.state.notice = e.kind === 'device-lost' ? 'The model was restarted on the CPU (WASM) after the GPU was lost; memorization goes on.' : 'The model worker was restarted after a crash; memorization goes on.';
      this.changed();
    })();
    this.restarting = restart.finally(() => (this.restarting = null));
    this.restarting.catch(() => undefined);
  }

  /** The current worker once any restart is over, or null when the model could not be loaded. */
  private async readyClient(): Promise<InferenceClient | null> {
    while (this.restarting) await this.restarting.catch(() => undefined);
    return this.state.model.status === 'ready' ? this.client : null;
  }

  /** Development builds only: the fault-injection tests' way in (see test/browser/faults.test.ts). */
  async injectFault(fault: InjectedFault) {
    if (!import.meta.env.DEV) throw new Error('fault injection exists in development builds only');
    await this.client?.injectFault(fault);
  }

  /** What the worker holds now (null when no worker runs). */
  async workerStats(): Promise<WorkerStats | null> {
    return this.client && !this.client.lost ? this.client.stats() : null;
  }

  /** Storage had no room: after the user freed some, stores the memories held back and goes on. */
  async resumeWriting() {
    const held = this.unsaved;
    try {
      while (held.length) {
        await repo.putMemory(this.db!, held[0]);
        this.state.memories = [...this.state.memories, held[0]];
        this.dispatchEvent(new CustomEvent('memory', { detail: held.shift() }));
      }
    } catch (e) {
      this.failWrite(e);
      return;
    }
    Object.assign(this.state, { error: null, recovery: null, notice: 'Storing memories again; the clips that waited are being memorized.' });
    this.changed();
    const resume = this.resumeWrites;
    this.resumeWrites = null;
    resume?.();
  }

  private failWrite(e: unknown) {
    this.state.recovery = 'resume-writing';
    this.fail(
      isQuotaError(e)
        ? `Storage is full, so new memories are not being stored. Capture goes on and waiting clips are kept (${this.unsaved.length} memory held, ${this.queue.state.waiting} clips queued). Free space (delete old streams here, or other sites' data in the browser settings), then press "Resume storing".`
        : `A memory could not be stored: ${e instanceof Error ? e.message : String(e)}. Capture goes on and waiting clips are kept; press "Resume storing" to try again.`,
    );
  }

  private onSourceEnded(reason: string) {
    if (!this.state.capturing) return;
    markCapturing(this.options.dbName, null);
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
    markCapturing(this.options.dbName, null);
    this.state.capturing = false;
    this.changed();
  }

  private async memorizeLoop(streamId: string) {
    const queue = this.queue;
    this.loopStream = streamId;
    try {
      while (this.state.streamId === streamId) {
        // Storage full: nothing is memorized until the user frees space; clips wait in the queue.
        if (this.unsaved.length) await new Promise<void>((resolve) => (this.resumeWrites = resolve));
        const clip = await queue.next();
        if (this.state.streamId !== streamId) return;
        const client = await this.readyClient();
        if (!client) {
          // The restart could not load the model: the clip waits for "Retry loading the model".
          queue.requeue(clip);
          return;
        }
        this.state.memorizing = true;
        this.changed();
        try {
          const result = await client.memorize(clip, this.adapter.memorizeVersion, this.adapter.recentClipCount);
          if (result.ok) {
            const thumb = await thumbnailOf(clip.frames[clip.frames.length - 1]).catch(() => undefined);
            const memory: StoredMemory = { ...result.memory, text: this.protection.redacted(result.memory.text), createdAt: Date.now(), thumbnail: thumb };
            try {
              await repo.putMemory(this.db!, memory);
            } catch (e) {
              this.unsaved.push(memory);
              this.failWrite(e);
              continue;
            }
            this.state.memories = [...this.state.memories, memory];
            this.dispatchEvent(new CustomEvent('memory', { detail: memory }));
          } else {
            this.state.rejected = [...this.state.rejected, { clipIndex: clip.clipIndex, t0: clip.t0, t1: clip.t1, reason: result.rejected.reason }];
          }
        } catch (e) {
          // The worker is being restarted (onWorkerLost): the clip is memorized by the new one.
          if (e instanceof WorkerLostError) queue.requeue(clip);
          else this.fail(`Memorizing clip ${clip.clipIndex} failed: ${e instanceof Error ? e.message : String(e)}. Earlier memories are kept.`);
        } finally {
          this.state.memorizing = false;
          this.changed();
        }
      }
    } finally {
      if (this.loopStream === streamId) this.loopStream = null;
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
      { maxContextLines: this.spec.answer.contextLines, contextUnit: this.spec.answer.unit, ...opts },
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
    if (this.protection.locked) {
      this.fail('Your memories are locked: unlock them with your passphrase to ask about them.');
      return;
    }
    const redacted = (t: string) => this.protection.redacted(t);
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
          update({ text: redacted(streamed) });
        },
      });
      update({
        pending: false,
        text: answer.abstained ? "I don't know: my memory of this stream doesn't say." : redacted(answer.text),
        citations: answer.citations,
        abstained: answer.abstained,
      });
      await repo.addTask(this.db!, {
        askedAt: Date.now(), streamId: this.state.streamId, streamTime: this.source?.now() ?? null, question: redacted(q),
        type: inferQuestionType(q), answer: redacted(answer.text), answered: !answer.abstained, citations: answer.citations,
      });
      this.dispatchEvent(new CustomEvent('answer', { detail: { question: redacted(q), answer: redacted(answer.text), abstained: answer.abstained, citations: answer.citations } }));
      // Not awaited: an automatic training runs alongside memorization and reports through state.adapter.
      void this.adapter.onTaskAdded();
    } catch (e) {
      update({ pending: false, text: `Could not answer: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /** Trains a new adapter version on the recent questions and clips; memorization goes on meanwhile. */
  async trainAdapter() {
    await this.init();
    this.protection.requireUnlocked('training the adapter');
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
    this.protection.requireUnlocked('exporting');
    return this.protection.sealedIfOn(await exportAll(this.db!));
  }

  /** Imports the encrypted export waiting for its passphrase; a wrong one is refused and it keeps waiting. */
  async importWithPassphrase(passphrase: string): Promise<string | null> {
    const file = this.protection.pending;
    return file ? this.importData(file, passphrase).catch(() => null) : null;
  }

  cancelImport() {
    this.protection.cancelImport();
  }

  /** Imports an export; a bad file is refused with a message and nothing changes. */
  async importData(file: Blob, passphrase?: string): Promise<string> {
    await this.init();
    try {
      const text = await this.protection.importText(file, passphrase);
      if (text === null) {
        this.state.notice = 'This export is encrypted: enter its passphrase to import it.';
        this.changed();
        return this.state.notice;
      }
      const summary = await importAll(this.db!, text);
      await this.adapter.reload(this.db!);
      await this.protection.settingsChanged();
      const streams = await repo.listStreams(this.db!);
      if (!this.state.capturing && streams.length) await this.showStream(streams[streams.length - 1].id);
      this.state.notice = `Imported ${summary.memories} memories from ${summary.streams} streams, ${summary.tasks} questions and ${summary.adapters} adapters.`;
      this.state.error = null;
      this.changed();
      return this.state.notice;
    } catch (e) {
      this.fail(e instanceof ImportError || isProtectionError(e) ? e.message : `Import failed: ${e instanceof Error ? e.message : String(e)}. Nothing was changed.`);
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
    await this.protection.afterDeleteEverything();
    await this.adapter.reload(this.db);
    Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [], notice: 'Everything was deleted.' });
    this.changed();
  }

  dispose() {
    if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', this.onVisibility);
    this.stop();
    this.client?.terminate();
    this.client = null;
    this.db?.close();
  }
}

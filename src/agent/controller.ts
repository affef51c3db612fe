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
import { MemoryIndex } from '../recall/memory-index';
import { checkQuestion } from '../recall/question-input';
import { embedText } from '../recall/embedding';
import { openTaskMemDb, type Db } from '../store/db';
import * as repo from '../store/repository';
import type { StoredMemory, StreamRecord } from '../store/schema';
import { thumbnailOf } from './thumbnail';
import { LockedError } from '../store/sealed';
import { checkImportSize, exportAll, importAll, ImportError } from '../store/transfer';
import type { AdapterTrainingOptions, DevicePreference, InjectedFault, WorkerStats } from '../worker/protocol';
import { isQuotaError, markCapturing, takeInterruptedCapture } from './faults';
import { AdapterManager, type AdapterState } from './adapter-manager';
import { isProtectionError, ProtectionManager, type ProtectionState } from './protection';
import { importLimitFor } from '../store/sealed-export';
import { forgetSince, type ForgetSummary } from '../store/forget';
import type { RetentionSettings } from '../store/retention';
import type { StorageUsage } from '../store/usage';
import { memoryKeyOf } from '../store/staleness';
import { describeDeletion, RetentionManager, type PrivacyState } from './retention-manager';

/** Longest span "forget the last N minutes" accepts (a week). */
export const MAX_FORGET_MINUTES = 7 * 24 * 60;

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
  /** Epoch ms the entry was added (so forgetting the last N minutes clears the chat too). */
  at?: number;
}

export interface AgentState {
  model: ModelState;
  capturing: boolean;
  /** Capture is on but sampling is held: no frame of a paused interval is memorized. */
  paused: boolean;
  /** Stream-time intervals of this capture that were paused (`to` null while paused). */
  pauses: { from: number; to: number | null }[];
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
  privacy: PrivacyState;
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
  /** The clip number a resumed capture continues from. */
  private nextClipIndex = 0;
  /** Stream-time windows of the live stream that were forgotten: clips overlapping them are never stored. */
  private forgottenWindows: { streamId: string; from: number; until: number }[] = [];
  private readonly retention: RetentionManager;
  /** Recall index over state.memories, built when a question first needs it (memory past the context). */
  private recall: MemoryIndex<StoredMemory> | null = null;
  private questionError: string | null = null;

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
    this.retention = new RetentionManager({
      db: () => this.db,
      locked: () => this.protection.locked,
      liveStream: () => (this.state.capturing && this.state.streamId ? this.state.streamId : null),
      afterDeletion: (summary) => this.afterDeletion(summary),
      notice: (text) => {
        this.state.notice = text;
        this.changed();
      },
      fail: (message) => this.fail(message),
      changed: () => {
        this.state.privacy = this.retention.state;
        this.changed();
      },
    });
    this.state = {
      model: { id: options.modelId, status: 'idle', loadedBytes: 0, totalBytes: 0, device: null, dtype: options.dtype ?? this.spec.defaultDtype, notice: null },
      capturing: false,
      paused: false,
      pauses: [],
      sourceTitle: null,
      streamId: null,
      queue: this.queue.state,
      memorizing: false,
      memories: [],
      rejected: [],
      chat: [],
      adapter: { ...this.adapter.state },
      protection: this.protection.state,
      privacy: this.retention.state,
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
      await this.retention.load(this.db);
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
    // Retention applies at startup (or unlock) as well as after each write.
    await this.retention.schedule();
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
    this.recall = null;
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
    this.sampler = this.makeSampler(stream.id, 0, 0);
    // Deleted streams stay marked: a clip of one may still be coming back from the model.
    this.forgottenWindows = this.forgottenWindows.filter((w) => w.from === -Infinity);
    Object.assign(this.state, { capturing: true, paused: false, pauses: [], sourceTitle: source.title, streamId: stream.id, memories: [], rejected: [], error: null, notice: null, recovery: null });
    this.adjustSampling();
    markCapturing(this.options.dbName, stream.id);
    this.recall = null;
    this.changed();
    source.onEnded((reason) => this.onSourceEnded(reason));
    const { width, height } = this.spec.frame;
    this.timer = setInterval(() => {
      // Paused: no frame is even grabbed, so nothing of the paused interval can reach a clip.
      if (this.state.paused) return;
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
        const memory = held[0];
        // Forgetting or deleting may drop it from `held` while it is written: then it is not stored
        // (or goes with the rest of what is deleted), and the next one is not skipped.
        const stored = await repo.putLiveMemory(this.db!, memory, () => held.includes(memory));
        const at = held.indexOf(memory);
        if (at < 0) continue;
        held.splice(at, 1);
        if (!stored) continue;
        this.state.memories = [...this.state.memories, memory];
        this.dispatchEvent(new CustomEvent('memory', { detail: memory }));
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
        : e instanceof LockedError
          ? `Your memories were locked while a clip was being written: that memory is held, not stored. Unlock, then press "Resume storing".`
          : `A memory could not be stored: ${(e instanceof Error ? e.message : String(e)).replace(/\.$/, '')}. ${this.state.capturing ? 'Capture goes on and waiting clips are kept' : 'Waiting clips are kept'}; press "Resume storing" to try again.`,
    );
  }

  /** A sampler at the interval in force now: a restart (resume, forget) must not undo a back-off. */
  private makeSampler(streamId: string, startAt: number, firstClipIndex: number) {
    const sampler = new ClipSampler({ ...DEFAULT_SAMPLER, streamId, clipSeconds: this.options.clipSeconds, framesPerClip: this.spec.frame.perClip }, startAt, firstClipIndex);
    sampler.setSampleEvery(this.state.sampling.everySeconds);
    return sampler;
  }

  /**
   * Holds capture: the clip under way is cut at this moment (as when a stream ends: kept when it
   * covers half a clip or more) and no frame is sampled until `resumeCapture`. Clips already
   * waiting are still memorized.
   */
  pauseCapture() {
    if (!this.state.capturing || this.state.paused || !this.source || !this.sampler) return;
    const at = this.source.now();
    const flushed = this.sampler.flush(at);
    if (flushed) this.queue.push(flushed);
    this.nextClipIndex = this.sampler.nextClipIndex;
    this.sampler = null;
    this.source.pause?.();
    this.state.paused = true;
    this.state.pauses = [...this.state.pauses, { from: at, to: null }];
    this.changed();
  }

  /** Continues the same stream: a fresh clip starts now, numbered after the last one. */
  resumeCapture() {
    if (!this.state.capturing || !this.state.paused || !this.source || !this.state.streamId) return;
    this.source.resume?.();
    const at = this.source.now();
    this.sampler = this.makeSampler(this.state.streamId, at, this.nextClipIndex);
    this.adjustSampling();
    this.state.paused = false;
    this.state.pauses = this.state.pauses.map((p) => (p.to === null ? { ...p, to: at } : p));
    this.changed();
  }

  private onSourceEnded(reason: string) {
    if (!this.state.capturing) return;
    markCapturing(this.options.dbName, null);
    const flushed = this.sampler?.flush(this.source?.now() ?? 0);
    if (flushed) this.queue.push(flushed);
    this.stopTimer();
    this.state.capturing = false;
    this.state.paused = false;
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
    this.state.paused = false;
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
        if (this.isForgotten(clip)) continue;
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
          // Forgotten or deleted while the model was writing it: never stored, and out of the training buffer.
          const drop = async () => {
            const key: [string, number] = [clip.streamId, clip.clipIndex];
            await client.forgetClips([key]).catch(() => undefined);
            await this.adapter.onForgotten({ memoryKeys: [key], taskIds: [], staleVersions: [] });
          };
          if (this.isForgotten(clip)) {
            await drop();
          } else if (result.ok) {
            const thumb = await thumbnailOf(clip.frames[clip.frames.length - 1]).catch(() => undefined);
            const text = this.protection.redacted(result.memory.text);
            const memory: StoredMemory = { ...result.memory, text, createdAt: Date.now(), thumbnail: thumb, embedding: embedText(text) };
            let stored: boolean;
            try {
              // Checked again inside the write: a deletion may have started while the thumbnail was made.
              stored = await repo.putLiveMemory(this.db!, memory, () => !this.isForgotten(clip));
            } catch (e) {
              this.unsaved.push(memory);
              this.failWrite(e);
              continue;
            }
            if (!stored) {
              await drop();
              continue;
            }
            this.state.memories = [...this.state.memories, memory];
            this.recall?.add(memory);
            this.dispatchEvent(new CustomEvent('memory', { detail: memory }));
            void this.retention.schedule();
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
    // Not copied: answering only reads memories, and a copy of 100k of them costs more than the search.
    const memories: CitableMemory[] = this.state.memories;
    const client = this.client!;
    return answerFromMemory(
      { generate: (messages, _f, o) => client.generate(messages, { maxNewTokens: o?.maxNewTokens, onToken: o?.onToken }) },
      memories,
      question,
      { maxContextLines: this.spec.answer.contextLines, contextUnit: this.spec.answer.unit, ...opts, index: await this.recallIndex() },
    );
  }

  /**
   * The recall index over the current stream, or undefined while all of it fits the answer context.
   * Rebuilt when it no longer matches state.memories (another stream, or memories deleted elsewhere).
   */
  private async recallIndex(): Promise<MemoryIndex<StoredMemory> | undefined> {
    const ms = this.state.memories;
    // Clause passages are ranked without it (src/recall/passages.ts); whole memories need it only past the context.
    if (this.spec.answer.unit === 'clause' || ms.length <= this.spec.answer.contextLines) return undefined;
    if (this.recall?.size === ms.length && this.recall.has(ms[0]) && this.recall.has(ms[ms.length - 1])) return this.recall;
    // Memories written while it is built are missing from it; the next question notices and rebuilds.
    this.recall = null;
    const index = await MemoryIndex.fromInChunks(ms);
    this.recall = index;
    return index;
  }

  /** Answers from the current stream's stored memories only, streaming tokens into the chat. */
  async ask(question: string) {
    const checked = checkQuestion(question);
    if (!checked.ok) {
      this.fail((this.questionError = checked.message));
      return;
    }
    if (this.protection.locked) {
      this.fail('Your memories are locked: unlock them with your passphrase to ask about them.');
      return;
    }
    const redacted = (t: string) => this.protection.redacted(t);
    const q = checked.question;
    // The message about the last question typed goes once a good one is asked; other errors stay.
    if (this.state.error === this.questionError) this.state.error = null;
    const user: ChatEntry = { id: ++this.chatId, role: 'user', text: q, pending: false, citations: [], abstained: false };
    const replyId = ++this.chatId;
    // Entries are replaced, never mutated, so components see every change.
    const update = (patch: Partial<ChatEntry>) => {
      this.state.chat = this.state.chat.map((e) => (e.id === replyId ? { ...e, ...patch } : e));
      this.changed();
    };
    const at = Date.now();
    this.state.chat = [...this.state.chat, { ...user, at }, { id: replyId, role: 'agent', text: '', pending: true, citations: [], abstained: false, at }];
    this.changed();
    let streamed = '';
    try {
      const answer = await this.answer(q, {
        onToken: (t) => {
          streamed += t;
          // Answers may start with a space (the bundled answerer's do); the final text is trimmed too.
          update({ text: redacted(streamed.trimStart()) });
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
      void this.retention.schedule();
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

  /** Phase Two knobs (steps, candidates, batch, directions, temperature, seed), stored with the settings. */
  async setAdapterTrainingOptions(options: AdapterTrainingOptions) {
    await this.init();
    await this.adapter.setTrainingOptions(options);
  }

  /** Rolls the adapter back to `version` (0 = the plain model); memorization uses it from the next clip. */
  async rollbackAdapter(version: number) {
    await this.init();
    try {
      await this.adapter.rollback(version);
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  /** Rolls back to the newest version trained on nothing deleted, then trains a new one from it. */
  async retrainAdapter() {
    await this.init();
    await this.adapter.retrain();
  }

  private isForgotten(clip: { streamId: string; t0: number; t1: number }) {
    return this.forgottenWindows.some((w) => w.streamId === clip.streamId && clip.t1 > w.from && clip.t0 < w.until);
  }

  /**
   * Forgets the last `minutes` of wall-clock time (see src/store/forget.ts): memories written in
   * them with their thumbnails, questions asked in them or citing those memories, and streams left
   * empty, in one transaction; adapter versions that learned from any of it are marked stale. While
   * capturing, clips of that time not yet written are dropped too, and the clip under way restarts.
   */
  async forgetLastMinutes(minutes: number): Promise<ForgetSummary | null> {
    if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_FORGET_MINUTES) {
      this.fail(`Forget the last N minutes: N must be a number above 0 and at most ${MAX_FORGET_MINUTES} (a week). Nothing was deleted.`);
      return null;
    }
    await this.init();
    if (this.protection.locked) {
      // Without the key the questions citing what goes cannot be found, so none of it is deleted.
      this.fail('Your memories are locked: unlock them with your passphrase before forgetting, so the questions that cite what is forgotten go too. Nothing was deleted.');
      return null;
    }
    const now = Date.now();
    const since = now - minutes * 60_000;
    const live = this.state.capturing && this.source && this.state.streamId ? this.state.streamId : null;
    // Rejected clips of that time were never stored, but the worker keeps their frames for training.
    let rejectedKeys: [string, number][] = [];
    if (live && this.source) {
      // Stream time runs with the wall clock for live sources; for a file it runs slower if anything,
      // so this window reaches back at least as far as the wall-clock one.
      const streamNow = this.source.now();
      this.forgottenWindows.push({ streamId: live, from: streamNow - minutes * 60, until: streamNow });
      if (this.sampler) this.sampler = this.makeSampler(live, streamNow, this.sampler.nextClipIndex);
      rejectedKeys = this.state.rejected.filter((r) => this.isForgotten({ streamId: live, ...r })).map((r) => [live, r.clipIndex]);
      this.state.rejected = this.state.rejected.filter((r) => !this.isForgotten({ streamId: live, ...r }));
    }
    let summary: ForgetSummary;
    try {
      summary = await forgetSince(this.db!, since, { reason: `forgotten: the last ${minutes} minute${minutes === 1 ? '' : 's'}`, keepStreams: live ? [live] : [], now });
    } catch (e) {
      this.fail(`Forgetting failed: ${e instanceof Error ? e.message : String(e)}. Nothing was deleted.`);
      return null;
    }
    this.state.chat = this.state.chat.filter((e) => (e.at ?? 0) < since);
    // Memories held back while storage was full are written in that time too: never stored now.
    const held = this.dropUnsaved((m) => m.createdAt >= since || this.isForgotten(m));
    await this.afterDeletion(summary, [...rejectedKeys, ...held]);
    this.state.notice = `Forgot the last ${minutes} minute${minutes === 1 ? '' : 's'}: ${describeDeletion(summary)}.`;
    this.changed();
    return summary;
  }

  /**
   * Removes memories held back by a full storage (stored first on "Resume storing") that must not
   * be stored any more; in place, as a running resumeWriting holds the same array. Their keys.
   */
  private dropUnsaved(drop: (m: StoredMemory) => boolean): [string, number][] {
    const keys: [string, number][] = [];
    for (let i = this.unsaved.length - 1; i >= 0; i--) {
      const m = this.unsaved[i];
      if (!drop(m)) continue;
      keys.push([m.streamId, m.clipIndex]);
      this.unsaved.splice(i, 1);
    }
    return keys;
  }

  /** Refreshes what the UI shows after a deletion and tells the adapter and the worker. */
  private async afterDeletion(summary: ForgetSummary, unstoredClips: [string, number][] = []) {
    const deleted = new Set(summary.memoryKeys.map(([s, c]) => memoryKeyOf(s, c)));
    this.state.chat = this.state.chat.filter((e) => !e.citations.some((c) => deleted.has(memoryKeyOf(c.streamId, c.clipIndex))));
    const shown = this.state.streamId;
    if (shown) {
      const streams = await repo.listStreams(this.db!);
      if (streams.some((s) => s.id === shown)) this.state.memories = await repo.memoriesOf(this.db!, shown);
      else Object.assign(this.state, { streamId: null, memories: [], rejected: [] });
    }
    // The worker's sliding window may still hold forgotten text: seed it from what is left.
    if (this.state.capturing && shown && this.client && this.state.model.status === 'ready' && summary.memoryKeys.some(([s]) => s === shown))
      await this.client.restoreWindow(shown, this.state.memories.slice(-2).map((m) => ({ t0: m.t0, t1: m.t1, text: m.text }))).catch(() => undefined);
    const clips = [...summary.memoryKeys, ...unstoredClips];
    if (clips.length && this.client && this.state.model.status === 'ready') await this.client.forgetClips(clips).catch(() => undefined);
    await this.adapter.onForgotten({ ...summary, memoryKeys: clips });
    await this.retention.refreshIfShown();
  }

  /** Reads what is stored and how much room it takes into `state.privacy.usage`. */
  async refreshUsage(): Promise<StorageUsage | null> {
    await this.init();
    return this.retention.readUsage();
  }

  /** Sets and applies retention (see RetentionManager.setRetention); false when the value was refused. */
  async setRetention(input: Partial<RetentionSettings>): Promise<boolean> {
    await this.init();
    this.state.error = null;
    return this.retention.setRetention(input);
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
      // Before reading: a huge file is refused without loading it (an encrypted one, a third larger, by its own limit).
      checkImportSize(file.size, importLimitFor(await file.slice(0, 200).text()));
      const text = await this.protection.importText(file, passphrase);
      if (text === null) {
        this.state.notice = 'This export is encrypted: enter its passphrase to import it.';
        this.changed();
        return this.state.notice;
      }
      const summary = await importAll(this.db!, text);
      await this.retention.load(this.db!); // an import may carry its own retention setting
      await this.adapter.reload(this.db!);
      await this.protection.settingsChanged();
      const streams = await repo.listStreams(this.db!);
      if (!this.state.capturing && streams.length) await this.showStream(streams[streams.length - 1].id);
      void this.retention.schedule();
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
    // A clip the model is writing now is dropped when it comes back, not stored into the deleted stream.
    this.forgottenWindows.push({ streamId: id, from: -Infinity, until: Infinity });
    const rejected = [...this.state.rejected.map((r): [string, number] => [id, r.clipIndex]), ...this.dropUnsaved((m) => m.streamId === id)];
    const summary = await repo.deleteStream(this.db, id);
    // Also drops the stream's clips (stored and rejected) from the worker's training buffer.
    await this.afterDeletion(summary, rejected);
    const stale = summary.staleVersions.length ? ` Adapter ${summary.staleVersions.map((v) => `v${v.version}`).join(', ')} learned from it and ${summary.staleVersions.length === 1 ? 'is' : 'are'} now marked stale.` : '';
    Object.assign(this.state, { streamId: null, memories: [], rejected: [], chat: [], notice: `The stream and its memories were deleted.${stale}` });
    const streams = await repo.listStreams(this.db);
    if (streams.length) await this.showStream(streams[streams.length - 1].id);
    this.changed();
  }

  async deleteEverything() {
    if (!this.db) return;
    if (this.state.capturing) this.stop();
    if (this.state.streamId) this.forgottenWindows.push({ streamId: this.state.streamId, from: -Infinity, until: Infinity });
    this.dropUnsaved(() => true);
    // A training that finished after the deletion would store a version of deleted data.
    await this.adapter.cancel();
    await repo.deleteEverything(this.db);
    // Nor may a later one learn from the clips the worker keeps for training (the cancelled run gave them back).
    if (this.client && !this.client.lost) await this.client.forgetClips('all').catch(() => undefined);
    await this.protection.afterDeleteEverything();
    await this.retention.load(this.db); // settings went too: back to keeping everything
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

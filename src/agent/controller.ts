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
import { MemoryIndex } from '../recall/memory-index';
import { checkQuestion } from '../recall/question-input';
import { embedText } from '../recall/embedding';
import { openTaskMemDb, type Db } from '../store/db';
import * as repo from '../store/repository';
import type { StoredMemory, StreamRecord } from '../store/schema';
import { thumbnailOf } from './thumbnail';
import { checkImportSize, exportAll, importAll, ImportError } from '../store/transfer';
import type { AdapterTrainingOptions, DevicePreference } from '../worker/protocol';
import { AdapterManager, type AdapterState } from './adapter-manager';

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

/** Memory lines the answerer reads (answerFromMemory's default); past this the recall index chooses. */
const ANSWER_CONTEXT_LINES = 12;

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
      await this.adapter.load(this.db);
      const streams = await repo.listStreams(this.db);
      const last = streams[streams.length - 1];
      if (last) await this.showStream(last.id);
    })().catch((e: unknown) => {
      this.initialized = null; // a later call may try again
      throw e;
    });
    return this.initialized;
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
    this.recall = null;
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
          const memory: StoredMemory = { ...result.memory, createdAt: Date.now(), thumbnail: thumb, embedding: embedText(result.memory.text) };
          await repo.putMemory(this.db!, memory);
          this.state.memories = [...this.state.memories, memory];
          this.recall?.add(memory);
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
    // Not copied: answering only reads memories, and a copy of 100k of them costs more than the search.
    const memories: CitableMemory[] = this.state.memories;
    const client = this.client!;
    return answerFromMemory(
      { generate: (messages, _f, o) => client.generate(messages, { maxNewTokens: o?.maxNewTokens, onToken: o?.onToken }) },
      memories,
      question,
      { ...opts, index: await this.recallIndex() },
    );
  }

  /**
   * The recall index over the current stream, or undefined while all of it fits the answer context.
   * Rebuilt when it no longer matches state.memories (another stream, or memories deleted elsewhere).
   */
  private async recallIndex(): Promise<MemoryIndex<StoredMemory> | undefined> {
    const ms = this.state.memories;
    if (ms.length <= ANSWER_CONTEXT_LINES) return undefined;
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
    this.state.chat = [...this.state.chat, user, { id: replyId, role: 'agent', text: '', pending: true, citations: [], abstained: false }];
    this.changed();
    let streamed = '';
    try {
      const answer = await this.answer(q, {
        onToken: (t) => {
          streamed += t;
          update({ text: streamed });
        },
      });
      update({
        pending: false,
        text: answer.abstained ? "I don't know: my memory of this stream doesn't say." : answer.text,
        citations: answer.citations,
        abstained: answer.abstained,
      });
      await repo.addTask(this.db!, {
        askedAt: Date.now(), streamId: this.state.streamId, streamTime: this.source?.now() ?? null, question: q,
        type: inferQuestionType(q), answer: answer.text, answered: !answer.abstained, citations: answer.citations,
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
    return exportAll(this.db!);
  }

  /** Imports an export; a bad file is refused with a message and nothing changes. */
  async importData(file: Blob): Promise<string> {
    await this.init();
    try {
      checkImportSize(file.size); // before reading: a huge file is refused without loading it
      const summary = await importAll(this.db!, await file.text());
      await this.adapter.reload(this.db!);
      const streams = await repo.listStreams(this.db!);
      if (!this.state.capturing && streams.length) await this.showStream(streams[streams.length - 1].id);
      this.state.notice = `Imported ${summary.memories} memories from ${summary.streams} streams, ${summary.tasks} questions and ${summary.adapters} adapters.`;
      this.state.error = null;
      this.changed();
      return this.state.notice;
    } catch (e) {
      this.fail(e instanceof ImportError ? e.message : `Import failed: ${e instanceof Error ? e.message : String(e)}. Nothing was changed.`);
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

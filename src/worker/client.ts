/** Page-side handle on the inference worker: promise per request, callbacks for progress and tokens. */
import type { Dtype } from '../memorize/registry';
import type { AdapterMetrics, AdapterProgress, AdapterTrainingOptions, DevicePreference, InjectedFault, WorkerReply, WorkerRequest, WorkerStats } from './protocol';
import type { RecentTask } from '../adapter/reward';
import type { Clip } from '../memorize/types';
import type { ChatMessage, WindowMemory } from '../memorize/prompt';

type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void; onEvent?: (r: WorkerReply) => void };
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

export type AdapterTrainingOutcome =
  | { outcome: 'trained'; vector: Float32Array; metrics: AdapterMetrics; trainedOn: { clipKeys: [string, number][] } }
  | { outcome: 'cancelled'; phase: AdapterProgress['phase'] };

/**
 * The worker is gone: it crashed (an uncaught error, after which its state cannot be trusted) or its
 * WebGPU device was lost. Every pending request fails with this; the page starts a new worker.
 */
export class WorkerLostError extends Error {
  constructor(readonly kind: 'crash' | 'device-lost', detail: string) {
    super(kind === 'crash' ? `the inference worker crashed: ${detail}` : `the GPU device was lost: ${detail}`);
    this.name = 'WorkerLostError';
  }
}

export class InferenceClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lostListeners: ((e: WorkerLostError) => void)[] = [];
  private lostError: WorkerLostError | null = null;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.lose(new WorkerLostError('crash', e.message || 'unknown error'));
    };
    worker.onmessageerror = () => this.lose(new WorkerLostError('crash', 'a message could not be read'));
  }

  /** Called once if the worker crashes or loses its GPU (requests in flight fail with the same error). */
  onLost(listener: (e: WorkerLostError) => void) {
    this.lostListeners.push(listener);
  }

  get lost(): boolean {
    return this.lostError !== null;
  }

  private lose(err: WorkerLostError) {
    if (this.lostError) return;
    this.lostError = err;
    this.worker.terminate();
    this.failAll(err);
    for (const l of this.lostListeners) l(err);
  }

  static create(): InferenceClient {
    return new InferenceClient(new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' }));
  }

  private onReply(r: WorkerReply) {
    if (r.type === 'device-lost') return this.lose(new WorkerLostError('device-lost', r.message));
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.type === 'progress' || r.type === 'token' || r.type === 'adapter-progress') return p.onEvent?.(r);
    this.pending.delete(r.id);
    if (r.type === 'error') p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private failAll(err: Error) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private request(body: Body<WorkerRequest>, onEvent?: (r: WorkerReply) => void, transfer: Transferable[] = []): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.lostError) return reject(this.lostError);
      this.pending.set(id, { resolve, reject, onEvent });
      this.worker.postMessage({ ...body, id } as WorkerRequest, transfer);
    });
  }

  async load(modelId: string, device: DevicePreference = 'auto', onProgress?: (file: string, loaded: number, total: number) => void, dtype?: Dtype) {
    const r = await this.request({ type: 'load', modelId, device, dtype }, (e) => e.type === 'progress' && onProgress?.(e.file, e.loaded, e.total));
    if (r.type !== 'loaded') throw new Error(`unexpected reply ${r.type}`);
    return r;
  }

  /** `recentClips`: how many memorized clips the worker keeps for adapter training. */
  async memorize(clip: Clip, adapterVersion = 0, recentClips = 8) {
    const r = await this.request({ type: 'memorize', clip, adapterVersion, recentClips });
    if (r.type !== 'memorized') throw new Error(`unexpected reply ${r.type}`);
    return r.result;
  }

  async restoreWindow(streamId: string, memories: WindowMemory[]) {
    await this.request({ type: 'restore-window', streamId, memories });
  }

  /** Drops deleted memories' clips from the worker's training buffer ('all': every clip it holds). */
  async forgetClips(keys: [string, number][] | 'all') {
    await this.request({ type: 'forget-clips', keys });
  }

  async generate(messages: ChatMessage[], opts: { maxNewTokens?: number; onToken?: (t: string) => void } = {}) {
    const r = await this.request(
      { type: 'generate', messages, maxNewTokens: opts.maxNewTokens ?? 24, stream: !!opts.onToken },
      (e) => e.type === 'token' && opts.onToken?.(e.text),
    );
    if (r.type !== 'generated') throw new Error(`unexpected reply ${r.type}`);
    return r.text;
  }

  async setSteer(vector: Float32Array | null) {
    await this.request({ type: 'set-steer', vector });
  }

  /** Trains a new adapter vector on the worker's recent clips; memorization goes on meanwhile. */
  async trainAdapter(tasks: RecentTask[], options: AdapterTrainingOptions = {}, onProgress?: (p: AdapterProgress) => void): Promise<AdapterTrainingOutcome> {
    const r = await this.request({ type: 'train-adapter', tasks, options }, (e) => {
      if (e.type === 'adapter-progress') onProgress?.({ phase: e.phase, done: e.done, total: e.total, loss: e.loss });
    });
    if (r.type === 'adapter-trained') return { outcome: 'trained', vector: r.vector, metrics: r.metrics, trainedOn: r.trainedOn };
    if (r.type === 'adapter-cancelled') return { outcome: 'cancelled', phase: r.phase };
    throw new Error(`unexpected reply ${r.type}`);
  }

  /** Asks a running training to stop; its trainAdapter promise then resolves as cancelled. */
  async cancelAdapter() {
    await this.request({ type: 'cancel-adapter' });
  }

  /** What the worker holds now (frames kept for training and in flight). */
  async stats(): Promise<WorkerStats> {
    const r = await this.request({ type: 'stats' });
    if (r.type !== 'stats') throw new Error(`unexpected reply ${r.type}`);
    return r.stats;
  }

  /** Development builds only: crashes the worker or destroys its GPU device, for fault-injection tests. */
  async injectFault(fault: InjectedFault) {
    await this.request({ type: 'test-fault', fault });
  }

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('the inference worker was stopped'));
  }
}

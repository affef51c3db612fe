/** Page-side handle on the inference worker: promise per request, callbacks for progress and tokens. */
import type { Dtype } from '../memorize/registry';
import type { AdapterMetrics, AdapterProgress, AdapterTrainingOptions, DevicePreference, WorkerReply, WorkerRequest } from './protocol';
import type { RecentTask } from '../adapter/reward';
import type { Clip } from '../memorize/types';
import type { ChatMessage, WindowMemory } from '../memorize/prompt';

type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void; onEvent?: (r: WorkerReply) => void };
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

export type AdapterTrainingOutcome =
  | { outcome: 'trained'; vector: Float32Array; metrics: AdapterMetrics; trainedOn: { clipKeys: [string, number][] } }
  | { outcome: 'cancelled'; phase: AdapterProgress['phase'] };

export class InferenceClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => this.onReply(e.data);
    worker.onerror = (e) => this.failAll(new Error(`the inference worker crashed: ${e.message || 'unknown error'}`));
  }

  static create(): InferenceClient {
    return new InferenceClient(new Worker(new URL('./inference.worker.ts', import.meta.url), { type: 'module' }));
  }

  private onReply(r: WorkerReply) {
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

  /** Drops deleted memories' clips from the worker's training buffer. */
  async forgetClips(keys: [string, number][]) {
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

  terminate() {
    this.worker.terminate();
    this.failAll(new Error('the inference worker was stopped'));
  }
}

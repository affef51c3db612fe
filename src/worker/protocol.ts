/** Messages between the page and the inference worker. Every request carries an id; every reply echoes it. */
import type { Clip, MemoryRecord, RejectedClip } from '../memorize/types';
import type { ChatMessage, WindowMemory } from '../memorize/prompt';
import type { Dtype, ModelSpec } from '../memorize/registry';
import type { RecentTask } from '../adapter/reward';
import type { SteerTrainingResult } from '../adapter/phase-two';

export type DevicePreference = 'auto' | 'webgpu' | 'wasm';

/** Where a decoder adds the steer vector: after decoder layer `layer`, a vector of `hiddenSize` numbers. */
export type SteerSite = ModelSpec['steer'];

/** Phase Two knobs the page may set; anything absent takes the defaults of src/adapter/phase-two.ts. */
export interface AdapterTrainingOptions {
  /** SPSA steps (each is two loss evaluations on one minibatch). */
  steps?: number;
  /** Sampled candidate memories per clip. */
  candidates?: number;
  /** Pairs per SPSA step. */
  batch?: number;
  /** SPSA directions averaged per step (each costs two loss evaluations). */
  directions?: number;
  temperature?: number;
  seed?: number;
}

export interface AdapterProgress {
  phase: 'collect' | 'train';
  /** Clips sampled (collect) or SPSA steps taken (train) so far, of `total`. */
  done: number;
  total: number;
  /**
   * The latest step's training objective (DPO loss + the chosen memories' likelihood term + the L2
   * pull; the likelihood term can make it negative); null while collecting.
   */
  loss: number | null;
}

/**
 * What trainSteer measures plus what the round collected. Type aliases (not interfaces) so it fits
 * AdapterRecord.metrics, a Record<string, number>.
 */
export type AdapterMetrics = SteerTrainingResult['metrics'] & {
  clips: number;
  candidates: number;
  tiedClips: number;
  seconds: number;
};

export type WorkerRequest =
  | { id: number; type: 'load'; modelId: string; device: DevicePreference; dtype?: Dtype }
  /** `recentClips`: how many memorized clips the worker keeps (prompt and frames) for adapter training. */
  | { id: number; type: 'memorize'; clip: Clip; adapterVersion: number; recentClips: number }
  | { id: number; type: 'restore-window'; streamId: string; memories: WindowMemory[] }
  /** Memories the user deleted: their clips leave the training buffer. */
  | { id: number; type: 'forget-clips'; keys: [string, number][] | 'all' }
  | { id: number; type: 'generate'; messages: ChatMessage[]; maxNewTokens: number; stream: boolean }
  /** The active adapter: memorization uses it from the next memorize request on. */
  | { id: number; type: 'set-steer'; vector: Float32Array | null }
  /** Trains a new vector (starting from the active one) on the recent clips, interleaved with memorization. */
  | { id: number; type: 'train-adapter'; tasks: RecentTask[]; options: AdapterTrainingOptions }
  /** Stops a running training between two model calls; the training request answers 'adapter-cancelled'. */
  | { id: number; type: 'cancel-adapter' }
  /** What the worker holds now (frames are the bulk of its memory); for the UI, tests and bench:long. */
  | { id: number; type: 'stats' }
  /** Development builds only (import.meta.env.DEV): the fault-injection tests' way to crash the worker or lose its GPU. */
  | { id: number; type: 'test-fault'; fault: InjectedFault };

export type InjectedFault = 'crash' | 'device-lost';

export interface WorkerStats {
  /** Memorized clips kept for adapter training, and the most it may keep. */
  recentClips: number;
  recentCapacity: number;
  /** Frames in those clips plus the clip being memorized: everything frame-sized the worker holds. */
  framesHeld: number;
  /** The most frames framesHeld can reach with the current capacity and model. */
  framesBound: number;
}

export type WorkerReply =
  /**
   * `steer`: where the loaded decoder adds the adapter (its file's metadata; the registry's site
   * when the file could not be read back), null when it has no steer input.
   */
  | { id: number; type: 'loaded'; modelId: string; device: 'webgpu' | 'wasm'; dtype: Dtype; notice?: string; steer: SteerSite | null }
  | { id: number; type: 'progress'; file: string; loaded: number; total: number }
  | { id: number; type: 'memorized'; result: { ok: true; memory: MemoryRecord; repairs: string[] } | { ok: false; rejected: RejectedClip } }
  | { id: number; type: 'token'; text: string }
  | { id: number; type: 'generated'; text: string }
  | ({ id: number; type: 'adapter-progress' } & AdapterProgress)
  | { id: number; type: 'adapter-trained'; vector: Float32Array; metrics: AdapterMetrics; trainedOn: { clipKeys: [string, number][] } }
  /** Nothing was learned: the clips go back to the buffer for a later training. */
  | { id: number; type: 'adapter-cancelled'; phase: AdapterProgress['phase'] }
  | { id: number; type: 'done' }
  | { id: number; type: 'stats'; stats: WorkerStats }
  /** Unsolicited (id 0): the WebGPU device was lost; the worker cannot run the model any more. */
  | { id: number; type: 'device-lost'; message: string }
  | { id: number; type: 'error'; message: string };

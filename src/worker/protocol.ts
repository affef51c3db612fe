/** Messages between the page and the inference worker. Every request carries an id; every reply echoes it. */
import type { Clip, MemoryRecord, RejectedClip } from '../memorize/types';
import type { ChatMessage, WindowMemory } from '../memorize/prompt';
import type { Dtype } from '../memorize/registry';

export type DevicePreference = 'auto' | 'webgpu' | 'wasm';

export type WorkerRequest =
  | { id: number; type: 'load'; modelId: string; device: DevicePreference; dtype?: Dtype }
  | { id: number; type: 'memorize'; clip: Clip; adapterVersion: number }
  | { id: number; type: 'restore-window'; streamId: string; memories: WindowMemory[] }
  | { id: number; type: 'generate'; messages: ChatMessage[]; maxNewTokens: number; stream: boolean }
  | { id: number; type: 'set-steer'; vector: Float32Array | null };

export type WorkerReply =
  | { id: number; type: 'loaded'; modelId: string; device: 'webgpu' | 'wasm'; dtype: Dtype; notice?: string; steer: boolean }
  | { id: number; type: 'progress'; file: string; loaded: number; total: number }
  | { id: number; type: 'memorized'; result: { ok: true; memory: MemoryRecord; repairs: string[] } | { ok: false; rejected: RejectedClip } }
  | { id: number; type: 'token'; text: string }
  | { id: number; type: 'generated'; text: string }
  | { id: number; type: 'done' }
  | { id: number; type: 'error'; message: string };

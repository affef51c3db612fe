/**
 * One registry for every memorization/answering model, like transformers.js's own: an id, where
 * its files come from, its native frame size and its steer settings. The fixture lives in
 * `models/`; real checkpoints come from the Hugging Face hub (or `models/` once self-hosted).
 */

export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

export interface ModelSpec {
  id: string;
  label: string;
  /** transformers.js model_type family; all of ours load with AutoModelForImageTextToText. */
  family: 'qwen3_vl';
  /** 'local' = served from models/ (env.localModelPath); 'hub' = Hugging Face hub or a local copy. */
  source: 'local' | 'hub';
  /**
   * perClip frames are sampled per clip; framesPerImage 2 stacks consecutive frames as the two
   * temporal slices of one image (see imageFrameGroups in frames.ts).
   */
  frame: { width: number; height: number; perClip: number; framesPerImage: 1 | 2 };
  /** Residual-stream steer input, present once the decoder is prepared (scripts/prepare-steer.ts). */
  steer: { layer: number; hiddenSize: number };
  dtypes: Dtype[];
  defaultDtype: Dtype;
  /** Whether the checkpoint's decoder already carries the steer input. Hub files need preparation. */
  steerPrepared: boolean;
}

export const FIXTURE_MODEL_ID = 'taskmem/qwen3-vl-fixture';

export const MODEL_REGISTRY: ModelSpec[] = [
  {
    id: FIXTURE_MODEL_ID,
    label: 'TaskMem fixture (tiny, synthetic world only, offline)',
    family: 'qwen3_vl',
    source: 'local',
    frame: { width: 192, height: 128, perClip: 3, framesPerImage: 2 },
    steer: { layer: 1, hiddenSize: 128 },
    dtypes: ['fp32'],
    defaultDtype: 'fp32',
    steerPrepared: true,
  },
  {
    id: 'onnx-community/Qwen3-VL-2B-Instruct-ONNX',
    label: 'Qwen3-VL 2B Instruct (TaskMem family, 2048 hidden)',
    family: 'qwen3_vl',
    source: 'hub',
    frame: { width: 448, height: 320, perClip: 4, framesPerImage: 1 },
    // 28 decoder layers; TaskMem's released adapter sits in one middle layer.
    steer: { layer: 13, hiddenSize: 2048 },
    dtypes: ['q4f16', 'q4', 'fp16'],
    defaultDtype: 'q4f16',
    steerPrepared: false,
  },
];

export function getModelSpec(id: string): ModelSpec {
  const spec = MODEL_REGISTRY.find((m) => m.id === id);
  if (!spec) throw new Error(`unknown model '${id}'; known: ${MODEL_REGISTRY.map((m) => m.id).join(', ')}`);
  return spec;
}

/**
 * One registry for every memorization/answering model, like transformers.js's own: an id, where
 * its files come from, its native frame size and its steer settings. The fixture lives in
 * `models/`; real checkpoints come from the Hugging Face hub (or `models/` once self-hosted).
 */

export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16';

export interface ModelSpec {
  id: string;
  label: string;
  /**
   * transformers.js model_type family; all of ours load with AutoModelForImageTextToText
   * (transformers.js's Qwen3.5 class extends its Qwen3-VL class: same sessions, same inputs).
   */
  family: 'qwen3_vl' | 'qwen3_5';
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
  /** How questions are answered from memory text (see src/recall). */
  answer: AnswerSettings;
}

export interface AnswerSettings {
  /**
   * The model that answers: absent = this model in text mode (what a real VLM does); the fixture
   * delegates to a second fixture trained for answering, since one 1.6 M-parameter model could
   * not learn both jobs on our CPUs.
   */
  modelId?: string;
  /** Memory lines the answerer reads: all of memory while it fits, else the best-matching lines. */
  contextLines: number;
  /** A line is a whole memory (default) or one clause of one, for answerers with a tiny context. */
  unit?: 'memory' | 'clause';
}

export const FIXTURE_MODEL_ID = 'taskmem/qwen3-vl-fixture';
export const ANSWER_FIXTURE_ID = 'taskmem/qwen3-vl-fixture-answer';

/** The memorizing fixture; the answering fixture is the same network with other weights. */
const FIXTURE_SPEC: ModelSpec = {
  id: FIXTURE_MODEL_ID,
  label: 'TaskMem fixture (tiny, synthetic world only, offline)',
  family: 'qwen3_vl',
  source: 'local',
  frame: { width: 192, height: 128, perClip: 3, framesPerImage: 2 },
  steer: { layer: 1, hiddenSize: 128 },
  dtypes: ['fp32'],
  defaultDtype: 'fp32',
  steerPrepared: true,
  // It reads a few short lines well: retrieval picks the clauses that name what is asked about.
  answer: { modelId: ANSWER_FIXTURE_ID, contextLines: 4, unit: 'clause' },
};

export const MODEL_REGISTRY: ModelSpec[] = [
  FIXTURE_SPEC,
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
    // 256 lines of 1-2 sentences are ~10k tokens, well inside its context.
    answer: { contextLines: 256 },
  },
  {
    // The small, fast one: 0.8 B parameters, q4f16 about 0.65 GB. Its decoder is hybrid (Gated
    // DeltaNet layers with one full-attention layer in four); the steer site is a layer's residual
    // output all the same, but prepare-steer has only been run on our fixture's graph here.
    id: 'onnx-community/Qwen3.5-0.8B-ONNX',
    label: 'Qwen3.5 0.8B (small and fast, 1024 hidden)',
    family: 'qwen3_5',
    source: 'hub',
    frame: { width: 448, height: 320, perClip: 4, framesPerImage: 1 },
    // 24 decoder layers; the middle one, as for Qwen3-VL.
    steer: { layer: 11, hiddenSize: 1024 },
    dtypes: ['q4f16', 'q4', 'fp16'],
    defaultDtype: 'q4f16',
    steerPrepared: false,
    answer: { contextLines: 256 },
  },
];

/**
 * Models that only answer (text in, text out), loaded next to a memorizer that names them in
 * `answer.modelId`; not offered as memorizers.
 */
export const ANSWER_MODELS: ModelSpec[] = [
  {
    ...FIXTURE_SPEC,
    id: ANSWER_FIXTURE_ID,
    label: 'TaskMem answering fixture (tiny, reads synthetic-world memories)',
    answer: { contextLines: 4, unit: 'clause' },
  },
];

export function getModelSpec(id: string): ModelSpec {
  const spec = MODEL_REGISTRY.find((m) => m.id === id) ?? ANSWER_MODELS.find((m) => m.id === id);
  if (!spec) throw new Error(`unknown model '${id}'; known: ${MODEL_REGISTRY.map((m) => m.id).join(', ')}`);
  return spec;
}

/** The spec of the model that answers for `spec`: its own answering model, or itself. */
export function answererSpecOf(spec: ModelSpec): ModelSpec {
  return spec.answer.modelId ? getModelSpec(spec.answer.modelId) : spec;
}

/**
 * Loads a registered vision-language model through transformers.js and runs it: frames + chat
 * messages in, text out. Used by the memorizer (frames) and the answerer (text only), in Node and
 * in the browser worker alike.
 */
import {
  AutoModelForImageTextToText, AutoProcessor, LogitsProcessor, LogitsProcessorList, RawImage, Tensor, TextStreamer, cat, random,
} from '@huggingface/transformers';
import { bindSteer, decoderSessionName, sessionHasSteer, type SteerHandle } from './steer-binding';
import { fixTextOnlyRopeDelta } from './text-rope-fix';
import { fitFrame, imageFrameGroups } from './frames';
import { expandImagePads, type ChatMessage } from './prompt';
import { answererSpecOf, type ModelSpec, type Dtype } from './registry';
import { InputsCache } from './inputs-cache';
import type { RgbFrame } from './types';

export type Device = 'webgpu' | 'wasm' | 'cpu';

export interface LoadOptions {
  device?: Device;
  dtype?: Dtype;
  progress?: (p: { file: string; loaded: number; total: number; status: string }) => void;
  /** Bytes of preprocessed inputs kept for prompts scored again (Phase Two); default 64 MiB, 0 = none. */
  inputsCacheBytes?: number;
}

const DEFAULT_INPUTS_CACHE_BYTES = 64 * 2 ** 20;

// transformers.js types are loose for these multimodal classes; keep the casts in one place.
type AnyModel = {
  sessions: Record<string, { inputNames: readonly string[]; run: (...a: never[]) => Promise<Record<string, unknown>> }>;
  generate(args: Record<string, unknown>): Promise<Tensor>;
  forward(args: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
};
type AnyProcessor = {
  apply_chat_template(messages: unknown, opts: Record<string, unknown>): string;
  image_processor: ((img: RawImage | RawImage[]) => Promise<{ pixel_values: Tensor; image_grid_thw: Tensor }>) & { config: { merge_size: number } };
  tokenizer: ((text: string, opts?: Record<string, unknown>) => { input_ids: Tensor; attention_mask: Tensor }) & {
    batch_decode(ids: unknown, opts: Record<string, unknown>): string[];
  };
};

export interface GenerateOptions {
  maxNewTokens?: number;
  minNewTokens?: number;
  /**
   * Omit for greedy decoding. With a seed the draw is reproducible: the same seed, prompt and model
   * give the same text (transformers.js samples from one generator per thread, reseeded here).
   */
  sample?: { temperature: number; topK?: number; seed?: number };
  onToken?: (text: string) => void;
  /**
   * Keep this prompt's preprocessed inputs for the calls that follow with the same messages and
   * frames (Phase Two samples and scores each clip many times). Live memorization leaves it off,
   * so the cache does not fill with clips that never come back.
   */
  reuseInputs?: boolean;
}

function processorList(processor: LogitsProcessor): LogitsProcessorList {
  const list = new LogitsProcessorList();
  list.push(processor);
  return list;
}

/** Whether the decoder's steer input is declared without the single [hidden] dimension (SteerInfo.perPosition). */
function steerTakesPositions(decoder: unknown): boolean {
  const meta = (decoder as { inputMetadata?: readonly { name: string; shape?: readonly unknown[] }[] }).inputMetadata;
  const steer = meta?.find((m) => m.name === 'steer');
  return !!steer && Array.isArray(steer.shape) && steer.shape.length !== 1;
}

/** The position after the prompt's last image token: where an instruction written after the images would start. */
function imagesEnd(ids: ArrayLike<bigint>, visionEnd: number | undefined): number {
  if (visionEnd === undefined) return 0;
  const end = BigInt(visionEnd);
  for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === end) return i + 1;
  return 0;
}

/** A generated text with the log-probability the model gave each of its tokens. */
export interface ScoredText {
  text: string;
  /** One entry per generated token: `end` = character offset in `text` just after it. */
  tokens: TokenLogProb[];
}

export interface TokenLogProb {
  end: number;
  logProb: number;
}

/**
 * The log-probability of each generated token under the scores the sampler picks from (after the
 * other processors, so a sampling temperature is included). A step's chosen token is only known at
 * the next step (the last id of its input) or from the output, so one step's scores are held.
 */
class StepLogProbs extends LogitsProcessor {
  readonly logProbs: number[] = [];
  private held: { row: Float32Array; logZ: number } | null = null;

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    if (this.held) this.take(inputIds[0]!.at(-1)!);
    const vocab = logits.dims.at(-1)!;
    const all = logits.data as Float32Array;
    const row = Float32Array.from(all.subarray(all.length - vocab));
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let z = 0;
    for (const v of row) z += Math.exp(v - max);
    this.held = { row, logZ: max + Math.log(z) };
    return logits;
  }

  /** Records the held step's chosen token; the caller passes the last generated id at the end. */
  take(chosen: bigint) {
    if (!this.held) return;
    this.logProbs.push(this.held.row[Number(chosen)]! - this.held.logZ);
    this.held = null;
  }
}

export class Vlm {
  private constructor(
    readonly spec: ModelSpec,
    readonly device: Device,
    private readonly model: AnyModel,
    private readonly processor: AnyProcessor,
    readonly steer: SteerHandle | null,
    /** The decoder's session (and file) name: decoder_model_merged, or model for single-session exports. */
    readonly decoderSession: 'decoder_model_merged' | 'model',
    private readonly inputsCache: InputsCache<Record<string, Tensor>>,
  ) {}

  static async load(spec: ModelSpec, opts: LoadOptions = {}): Promise<Vlm> {
    const device = opts.device ?? 'cpu';
    const dtype = opts.dtype ?? spec.defaultDtype;
    const common = { progress_callback: opts.progress };
    const processor = (await AutoProcessor.from_pretrained(spec.id, common)) as unknown as AnyProcessor;
    const model = (await AutoModelForImageTextToText.from_pretrained(spec.id, {
      ...common,
      device,
      dtype,
    } as never)) as unknown as AnyModel;
    fixTextOnlyRopeDelta(model);
    const decoderSession = decoderSessionName(model.sessions);
    const decoder = model.sessions[decoderSession];
    const steer = sessionHasSteer(decoder)
      ? bindSteer(model, spec.steer.hiddenSize, dtype.includes('16') ? 'float16' : 'float32', steerTakesPositions(decoder))
      : null;
    return new Vlm(spec, device, model, processor, steer, decoderSession, new InputsCache(opts.inputsCacheBytes ?? DEFAULT_INPUTS_CACHE_BYTES));
  }

  /**
   * The model that answers questions for this memorizer: itself in text mode, or the answering
   * model its spec names (loaded on the same device). Dispose it only when it is not `this`.
   */
  async answerer(opts: LoadOptions = {}): Promise<Vlm> {
    const spec = answererSpecOf(this.spec);
    return spec === this.spec ? this : Vlm.load(spec, { device: this.device, ...opts });
  }

  /** `inputs`, reused while the same messages and frames come back (see inputs-cache.ts). */
  private cachedInputs(messages: ChatMessage[], frames: RgbFrame[]): Promise<Record<string, Tensor>> {
    return this.inputsCache.getOrCompute(messages, frames, async () => {
      const value = await this.inputs(messages, frames);
      const bytes = Object.values(value).reduce((n, t) => n + ((t.data as ArrayBufferView).byteLength ?? 0), 0);
      return { value, bytes };
    });
  }

  /**
   * Builds model inputs. Each image is one frame (as Qwen3-VL's Python processor does for a list of
   * images) or, for models with framesPerImage 2, two consecutive frames as its temporal slices:
   * the Qwen2-VL image processor stacks the frames it is given along time.
   */
  async inputs(messages: ChatMessage[], frames: RgbFrame[]): Promise<Record<string, Tensor>> {
    let text = this.processor.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
    if (!frames.length) return { ...this.processor.tokenizer(text, { add_special_tokens: false }) };
    const { width, height, framesPerImage } = this.spec.frame;
    const images = frames.map((f) => {
      const fitted = fitFrame(f, width, height);
      return new RawImage(new Uint8ClampedArray(fitted.data), width, height, 3);
    });
    const per = await Promise.all(
      imageFrameGroups(images.length, framesPerImage).map((group) =>
        this.processor.image_processor(group.length === 1 ? images[group[0]!]! : group.map((i) => images[i]!)),
      ),
    );
    const merge = this.processor.image_processor.config.merge_size ** 2;
    text = expandImagePads(
      text,
      per.map((p) => {
        const grid = p.image_grid_thw.data as BigInt64Array;
        return Number(grid[0] * grid[1] * grid[2]) / merge;
      }),
    );
    return {
      ...this.processor.tokenizer(text, { add_special_tokens: false }),
      pixel_values: cat(per.map((p) => p.pixel_values), 0),
      image_grid_thw: cat(per.map((p) => p.image_grid_thw), 0),
    };
  }

  async generate(messages: ChatMessage[], frames: RgbFrame[], opts: GenerateOptions = {}): Promise<string> {
    return (await this.run(messages, frames, opts, null)).text;
  }

  /** As `generate`, with how sure the model was of each token it wrote. */
  async generateScored(messages: ChatMessage[], frames: RgbFrame[], opts: GenerateOptions = {}): Promise<ScoredText> {
    const recorder = new StepLogProbs();
    const { text, ids } = await this.run(messages, frames, opts, recorder);
    if (ids.length) recorder.take(ids[ids.length - 1]!);
    const decode = (n: number) => this.processor.tokenizer.batch_decode([ids.slice(0, n)], { skip_special_tokens: true })[0];
    // Offsets from decoding each prefix: byte-level tokens need not decode to whole characters alone.
    const tokens = ids.map((_, k) => ({ end: decode(k + 1).length, logProb: recorder.logProbs[k] ?? 0 }));
    return { text, tokens };
  }

  private async run(messages: ChatMessage[], frames: RgbFrame[], opts: GenerateOptions, recorder: StepLogProbs | null): Promise<{ text: string; ids: bigint[] }> {
    const inputs = opts.reuseInputs ? await this.cachedInputs(messages, frames) : await this.inputs(messages, frames);
    const promptLength = inputs.input_ids.dims[1];
    this.steer?.imagesEndAt(imagesEnd(inputs.input_ids.data as BigInt64Array, this.visionEndId()));
    const streamer = opts.onToken
      ? new TextStreamer(this.processor.tokenizer as never, {
          skip_prompt: true,
          skip_special_tokens: true,
          callback_function: opts.onToken,
        } as never)
      : undefined;
    if (opts.sample?.seed !== undefined) random.seed(opts.sample.seed);
    const out = await this.model.generate({
      ...inputs,
      max_new_tokens: opts.maxNewTokens ?? 48,
      ...(opts.minNewTokens ? { min_new_tokens: opts.minNewTokens } : {}),
      do_sample: !!opts.sample,
      temperature: opts.sample?.temperature ?? 1,
      top_k: opts.sample?.topK ?? 0,
      streamer,
      ...(recorder ? { logits_processor: processorList(recorder) } : {}),
    });
    const newTokens = (out as unknown as { slice(...a: unknown[]): Tensor }).slice(null, [promptLength, null]);
    const text = this.processor.tokenizer.batch_decode(newTokens, { skip_special_tokens: true })[0];
    return { text, ids: [...(newTokens.data as BigInt64Array)] };
  }

  /**
   * Log-probability the model gives `completion` (and the end-of-turn token after it) as its reply
   * to `messages` with these frames: the sum over the completion's tokens, from one forward pass.
   * DPO compares these sums between candidates, with and without the steer vector.
   */
  async completionLogProb(messages: ChatMessage[], frames: RgbFrame[], completion: string, opts: { endOfTurn?: boolean } = {}): Promise<number> {
    const tokenizer = this.processor.tokenizer as unknown as { encode(t: string, o: object): number[] };
    const ids = [...tokenizer.encode(completion, { add_special_tokens: false })];
    const end = this.endOfTurnId();
    if (end !== undefined && opts.endOfTurn !== false) ids.push(end);
    return (await this.tokenLogProbs(messages, frames, ids)).reduce((a, b) => a + b, 0);
  }

  /**
   * Log-probability of each of `completionIds` as the reply to `messages` with these frames,
   * teacher-forced in one forward pass.
   */
  async tokenLogProbs(messages: ChatMessage[], frames: RgbFrame[], completionIds: readonly (number | bigint)[]): Promise<Float32Array> {
    const inputs = await this.cachedInputs(messages, frames);
    const promptIds = inputs.input_ids.data as BigInt64Array;
    const ids = BigInt64Array.from([...promptIds, ...completionIds.map(BigInt)]);
    const full = {
      ...inputs,
      input_ids: new Tensor('int64', ids, [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    };
    this.steer?.imagesEndAt(imagesEnd(promptIds, this.visionEndId()));
    const out = (await this.model.forward(full)) as { logits: Tensor };
    const [, , vocab] = out.logits.dims;
    const logits = out.logits.data as Float32Array;
    const result = new Float32Array(completionIds.length);
    for (let k = 0; k < completionIds.length; k++) {
      // the token at position p is predicted by the logits at position p - 1
      const row = (promptIds.length + k - 1) * vocab;
      let max = -Infinity;
      for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row + v]);
      let z = 0;
      for (let v = 0; v < vocab; v++) z += Math.exp(logits[row + v] - max);
      result[k] = logits[row + Number(completionIds[k])] - max - Math.log(z);
    }
    return result;
  }

  /** The id of a special token, or undefined when the tokenizer has no such token. */
  private tokenId(token: string): number | undefined {
    const id = (this.processor.tokenizer as unknown as { convert_tokens_to_ids(t: string): number | undefined }).convert_tokens_to_ids(token);
    return typeof id === 'number' && id >= 0 ? id : undefined;
  }

  private visionEndId(): number | undefined {
    return this.tokenId('<|vision_end|>');
  }

  private endOfTurnId(): number | undefined {
    return this.tokenId('<|im_end|>');
  }

  /** Logits at the last prompt position from one plain forward pass (no generation). */
  async lastLogits(inputs: Record<string, Tensor>): Promise<Float32Array> {
    const out = (await this.model.forward(inputs)) as { logits: Tensor };
    const [, length, vocab] = out.logits.dims;
    return (out.logits.data as Float32Array).slice((length - 1) * vocab, length * vocab);
  }

  async dispose() {
    this.inputsCache.clear();
    await this.model.dispose();
  }
}

/**
 * Feeds TaskMem's steer vector to a decoder that was prepared with a `steer` input.
 *
 * transformers.js (4.x) builds the decoder feed itself and, for image-text-to-text models, passes
 * only its own inputs; a session that declares an extra input fails with "Missing the following
 * inputs: steer". So the decoder session is wrapped: the wrapper hides `steer` from
 * `inputNames` (so validation passes) and adds the current vector to every run. Every other
 * property and method is the real session's.
 */
import { Tensor } from '@huggingface/transformers';

export const STEER_INPUT = 'steer';

interface OrtLikeSession {
  inputNames: readonly string[];
  run(feeds: Record<string, unknown>, options?: unknown): Promise<Record<string, unknown>>;
}

export interface SteerHandle {
  hiddenSize: number;
  /** Replace the vector; null or omitted = zeros (the plain model). */
  set(vector: Float32Array | null): void;
  get(): Float32Array;
  /**
   * Which positions are steered: 'all' (TaskMem's default, one vector for the whole sequence), or
   * 'after-images', none of the prompt up to and including its last image, as a written instruction
   * placed after the images acts. 'after-images' needs a decoder whose steer input takes positions
   * (SteerInfo.perPosition); `perPosition` says whether this one does.
   */
  positions: 'all' | 'after-images';
  readonly perPosition: boolean;
  /** Where the prompt of the next run ends its images (the Vlm sets it before each call). */
  imagesEndAt(position: number): void;
  /** How many decoder runs the vector was fed to (observability for tests and benchmarks). */
  readonly runs: number;
}

const BOUND = Symbol('taskmem.steer');

/** The decoder's session (and file) name: decoder_model_merged, or model for single-session exports. */
export function decoderSessionName(sessions: Record<string, unknown>): 'decoder_model_merged' | 'model' {
  for (const name of ['decoder_model_merged', 'model'] as const) if (sessions[name]) return name;
  throw new Error('model has no decoder session');
}

export function sessionHasSteer(session: OrtLikeSession): boolean {
  return session.inputNames.includes(STEER_INPUT) || (session as unknown as Record<symbol, unknown>)[BOUND] !== undefined;
}

export function bindSteer(model: { sessions: Record<string, OrtLikeSession> }, hiddenSize: number, dtype: 'float32' | 'float16' = 'float32', perPosition = false): SteerHandle {
  const name = decoderSessionName(model.sessions);
  const session = model.sessions[name];
  const existing = (session as unknown as Record<symbol, SteerHandle | undefined>)[BOUND];
  if (existing) return existing;
  if (!session.inputNames.includes(STEER_INPUT))
    throw new Error(`the decoder has no '${STEER_INPUT}' input: prepare the model with scripts/prepare-steer.ts`);

  let vector = new Float32Array(hiddenSize);
  let tensor = makeTensor(vector, dtype);
  let runs = 0;
  let imagesEnd = 0;
  let positions: SteerHandle['positions'] = 'all';
  const handle: SteerHandle = {
    hiddenSize,
    perPosition,
    get positions() {
      return positions;
    },
    set positions(p) {
      if (p === 'after-images' && !perPosition) throw new Error('this decoder takes one steer vector for every position; re-run npm run prepare-steer on the model to steer by position');
      positions = p;
    },
    imagesEndAt(position) {
      imagesEnd = Math.max(0, Math.floor(position));
    },
    set(v) {
      if (v && v.length !== hiddenSize) throw new Error(`steer vector has ${v.length} numbers, the model's hidden size is ${hiddenSize}`);
      vector = v ? Float32Array.from(v) : new Float32Array(hiddenSize);
      tensor = makeTensor(vector, dtype);
    },
    get: () => Float32Array.from(vector),
    get runs() {
      return runs;
    },
  };
  const visibleInputs = session.inputNames.filter((n) => n !== STEER_INPUT);
  model.sessions[name] = new Proxy(session, {
    get(target, prop, receiver) {
      if (prop === BOUND) return handle;
      if (prop === 'inputNames') return visibleInputs;
      if (prop === 'run')
        return (feeds: Record<string, unknown>, options?: unknown) => {
          runs++;
          // A run over several positions that starts at the prompt (no cache yet) holds the images;
          // later single-token runs are generated text and take the whole vector.
          const length = (feeds.inputs_embeds as { dims?: number[] } | undefined)?.dims?.[1] ?? 1;
          const fed = positions === 'after-images' && length > 1 && imagesEnd > 0
            ? makeTensor(vector, dtype, { length, from: imagesEnd })
            : tensor;
          return target.run({ ...feeds, [STEER_INPUT]: (fed as unknown as { ort_tensor: unknown }).ort_tensor }, options);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return handle;
}

/** [hidden], or with `rows` [1, length, hidden] holding the vector from position `from` on and zeros before. */
function makeTensor(v: Float32Array, dtype: 'float32' | 'float16', rows?: { length: number; from: number }): Tensor {
  let data = v;
  let dims = [v.length];
  if (rows) {
    data = new Float32Array(rows.length * v.length);
    for (let p = Math.min(rows.from, rows.length); p < rows.length; p++) data.set(v, p * v.length);
    dims = [1, rows.length, v.length];
  }
  if (dtype === 'float32') return new Tensor('float32', data, dims);
  return new Tensor('float16', toFloat16Bits(data), dims);
}

/** IEEE half-precision bits, round-to-nearest; enough for steer magnitudes. */
export function toFloat16Bits(v: Float32Array): Uint16Array {
  const out = new Uint16Array(v.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < v.length; i++) {
    f[0] = v[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    let exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (exp <= 0) {
      out[i] = sign;
    } else if (exp >= 31) {
      out[i] = sign | 0x7c00;
    } else {
      mant += 0x1000;
      if (mant & 0x800000) {
        mant = 0;
        exp += 1;
      }
      out[i] = exp >= 31 ? sign | 0x7c00 : sign | (exp << 10) | (mant >>> 13);
    }
  }
  return out;
}

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
  /** How many decoder runs the vector was fed to (observability for tests and benchmarks). */
  readonly runs: number;
}

const BOUND = Symbol('taskmem.steer');

function decoderSessionName(sessions: Record<string, OrtLikeSession>): string {
  for (const name of ['decoder_model_merged', 'model']) if (sessions[name]) return name;
  throw new Error('model has no decoder session');
}

export function sessionHasSteer(session: OrtLikeSession): boolean {
  return session.inputNames.includes(STEER_INPUT) || (session as unknown as Record<symbol, unknown>)[BOUND] !== undefined;
}

export function bindSteer(model: { sessions: Record<string, OrtLikeSession> }, hiddenSize: number, dtype: 'float32' | 'float16' = 'float32'): SteerHandle {
  const name = decoderSessionName(model.sessions);
  const session = model.sessions[name];
  const existing = (session as unknown as Record<symbol, SteerHandle | undefined>)[BOUND];
  if (existing) return existing;
  if (!session.inputNames.includes(STEER_INPUT))
    throw new Error(`the decoder has no '${STEER_INPUT}' input: prepare the model with scripts/prepare-steer.ts`);

  let vector = new Float32Array(hiddenSize);
  let tensor = makeTensor(vector, dtype);
  let runs = 0;
  const handle: SteerHandle = {
    hiddenSize,
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
          return target.run({ ...feeds, [STEER_INPUT]: (tensor as unknown as { ort_tensor: unknown }).ort_tensor }, options);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return handle;
}

function makeTensor(v: Float32Array, dtype: 'float32' | 'float16'): Tensor {
  if (dtype === 'float32') return new Tensor('float32', v, [v.length]);
  return new Tensor('float16', toFloat16Bits(v), [v.length]);
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

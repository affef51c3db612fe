/// <reference lib="webworker" />
/**
 * The inference worker: loads the model with transformers.js (WebGPU when the browser has an
 * adapter, WASM otherwise), memorizes clips, generates answers and trains the TaskMem adapter, so
 * the page never blocks.
 *
 * Every model call goes through one FIFO lock (model-lock.ts), and each call sets the steer vector
 * it needs inside the lock: memorization the active adapter, answers the plain model (answering is
 * not what the adapter learns), training its own probes. Ordinary requests take the lock whole, in
 * arrival order; a training run takes it one model call at a time, so it interleaves with them.
 */
import { env } from '@huggingface/transformers';
import { configureBrowserRuntime, pickDevice } from '../memorize/browser-env';
import { Vlm } from '../memorize/vlm';
import { Memorizer } from '../memorize/memorizer';
import { answererSpecOf, getModelSpec } from '../memorize/registry';
import type { PolicyModel } from '../adapter/phase-two';
import { ModelLock } from './model-lock';
import { RecentClips } from './recent-clips';
import { clipPromptOf } from '../adapter/phase-two';
import { lockedPolicy, runAdapterTraining } from './adapter-training';
import { loadedDecoderSteer } from '../memorize/decoder-steer';
import { cachedModelFiles } from '../memorize/model-cache';
import type { Dtype } from '../memorize/registry';
import type { AdapterProgress, InjectedFault, SteerSite, WorkerReply, WorkerRequest, WorkerStats } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let vlm: Vlm | null = null;
/** The model that answers questions, when the memorizer names another one (the fixture does). */
let answerer: Vlm | null = null;
let memorizer: Memorizer | null = null;
/** The adapter memorization uses (set-steer); null = the plain model. */
let activeVector: Float32Array | null = null;
const lock = new ModelLock();
const recent = new RecentClips();
let training: AbortController | null = null;
/** Frames of the clip being memorized (the request holds them until it is answered). */
let inFlightFrames = 0;

function reply(msg: WorkerReply) {
  self.postMessage(msg);
}

function steerTo(vector: Float32Array | null) {
  vlm?.steer?.set(vector);
}

/** The loaded model as Phase Two sees it, with no locking (lockedPolicy adds that). */
function rawPolicy(model: Vlm): PolicyModel {
  const steer = model.steer;
  if (!steer) throw new Error(`${model.spec.id} has no steer input, so it cannot learn an adapter (prepare it with npm run prepare-steer)`);
  return {
    generate: (m, f, o) => model.generate(m, f, o),
    generateScored: (m, f, o) => model.generateScored(m, f, o),
    completionLogProb: (m, f, c) => model.completionLogProb(m, f, c),
    setSteer: (v) => steer.set(v),
  };
}

/**
 * transformers.js caches every model file it fetched with status 200 (local ones too) before the
 * runtime parses it, so a truncated or corrupt download would be served from the cache on every
 * retry. After a failed load this model's cached files go; other models' stay.
 */
async function forgetCachedFiles(modelId: string) {
  const found = await cachedModelFiles((path) => path.includes(`/${modelId}/`));
  // Called while a load error is on its way to the page: a failed delete must not replace it.
  for (const request of found?.requests ?? []) await found!.cache.delete(request).catch(() => false);
}

/**
 * Where the loaded decoder steers: the layer its file says it was prepared at (a user may prepare
 * a checkpoint at another layer than the registry's), so adapters are stored and applied for that
 * layer. The registry's site stands when the file cannot be read back here.
 */
async function steerSiteOf(model: Vlm, dtype: Dtype): Promise<SteerSite> {
  const registry = model.spec.steer;
  const info = await loadedDecoderSteer(model.spec, model.decoderSession, dtype).catch(() => undefined);
  if (!info) return registry;
  if (info.hiddenSize !== registry.hiddenSize)
    throw new Error(`the decoder's steer input takes ${info.hiddenSize} numbers, but ${model.spec.id} has hidden size ${registry.hiddenSize}: prepare it again with npm run prepare-steer`);
  return { layer: info.layer, hiddenSize: info.hiddenSize };
}

/** Requests that run under the lock as a whole, in arrival order. */
async function handle(req: Exclude<WorkerRequest, { type: 'train-adapter' | 'cancel-adapter' }>) {
  switch (req.type) {
    case 'load': {
      configureBrowserRuntime();
      const spec = getModelSpec(req.modelId);
      const { device, notice } = await pickDevice(req.device);
      await vlm?.dispose();
      await answerer?.dispose();
      vlm = answerer = null;
      // A dtype the model does not list falls back to its default rather than failing to load.
      const dtype = req.dtype && spec.dtypes.includes(req.dtype) ? req.dtype : spec.defaultDtype;
      const progress = (p: { status: string; file: string; loaded: number; total: number }) => {
        if (p.status === 'progress') reply({ id: req.id, type: 'progress', file: p.file, loaded: p.loaded, total: p.total });
      };
      memorizer = null;
      const answerSpec = answererSpecOf(spec);
      try {
        vlm = await Vlm.load(spec, { device, dtype, progress });
        if (answerSpec !== spec) answerer = await Vlm.load(answerSpec, { device, dtype: answerSpec.defaultDtype, progress });
      } catch (err) {
        await forgetCachedFiles(spec.id);
        if (answerSpec !== spec) await forgetCachedFiles(answerSpec.id);
        throw err;
      }
      memorizer = new Memorizer(vlm);
      activeVector = null;
      recent.take();
      if (device === 'webgpu') void watchDevice(vlm);
      reply({ id: req.id, type: 'loaded', modelId: spec.id, device, dtype, notice, steer: vlm.steer ? await steerSiteOf(vlm, dtype) : null });
      return;
    }
    case 'memorize': {
      if (!memorizer || !vlm) throw new Error('no model loaded');
      steerTo(activeVector);
      memorizer.options.adapterVersion = req.adapterVersion;
      // The prompt is taken before memorizing, which moves the sliding window on.
      const prompt = clipPromptOf(req.clip, memorizer.windowFor(req.clip.streamId), vlm.spec.frame.framesPerImage);
      inFlightFrames = req.clip.frames.length;
      const result = await memorizer.memorize(req.clip).finally(() => (inFlightFrames = 0));
      recent.add(prompt, req.recentClips);
      reply({ id: req.id, type: 'memorized', result });
      return;
    }
    case 'forget-clips': {
      recent.forget(req.keys === 'all' ? recent.keys() : req.keys);
      reply({ id: req.id, type: 'done' });
      return;
    }
    case 'restore-window': {
      memorizer?.restore(req.streamId, req.memories);
      reply({ id: req.id, type: 'done' });
      return;
    }
    case 'generate': {
      if (!vlm) throw new Error('no model loaded');
      steerTo(null);
      const text = await (answerer ?? vlm).generate(req.messages, [], {
        maxNewTokens: req.maxNewTokens,
        onToken: req.stream ? (t) => reply({ id: req.id, type: 'token', text: t }) : undefined,
      });
      reply({ id: req.id, type: 'generated', text });
      return;
    }
    case 'set-steer': {
      if (!vlm?.steer) throw new Error('the loaded model has no steer input');
      if (req.vector && req.vector.length !== vlm.steer.hiddenSize)
        throw new Error(`steer vector has ${req.vector.length} numbers, the model's hidden size is ${vlm.steer.hiddenSize}`);
      activeVector = req.vector ? Float32Array.from(req.vector) : null;
      reply({ id: req.id, type: 'done' });
      return;
    }
  }
}

async function trainAdapter(req: Extract<WorkerRequest, { type: 'train-adapter' }>) {
  if (!vlm) throw new Error('no model loaded');
  if (training) throw new Error('an adapter is already being trained');
  const policy = rawPolicy(vlm);
  const abort = new AbortController();
  training = abort;
  const clips = recent.take();
  heldByTraining = clips.reduce((n, c) => n + c.frames.length, 0);
  let phase: AdapterProgress['phase'] = 'collect';
  try {
    const result = await runAdapterTraining({
      policy: lockedPolicy(lock, policy, abort.signal),
      clips,
      tasks: req.tasks,
      hiddenSize: vlm.spec.steer.hiddenSize,
      init: activeVector,
      options: req.options,
      signal: abort.signal,
      onProgress: (p) => {
        phase = p.phase;
        reply({ id: req.id, type: 'adapter-progress', ...p });
      },
    });
    // The clips taught this version; dropping them here frees their frames.
    reply({ id: req.id, type: 'adapter-trained', vector: result.vector, metrics: result.metrics, trainedOn: { clipKeys: result.clipKeys } });
  } catch (err) {
    // Nothing was learned from them: a later training may use the clips still.
    recent.giveBack(clips);
    if (!abort.signal.aborted) throw err;
    reply({ id: req.id, type: 'adapter-cancelled', phase });
  } finally {
    training = null;
    heldByTraining = 0;
  }
}

/** The part of a GPUDevice used here (the WebGPU types are not in this project's libs). */
interface GpuDeviceLike {
  destroy(): void;
  lost: Promise<{ message: string; reason?: string }>;
}

/** The GPUDevice ONNX Runtime runs on (transformers.js shares ORT's env), once a WebGPU session exists. */
async function ortDevice(): Promise<GpuDeviceLike | null> {
  const webgpu = (env.backends.onnx as { webgpu?: { device?: Promise<GpuDeviceLike> | GpuDeviceLike } }).webgpu;
  return (await webgpu?.device) ?? null;
}

/**
 * A lost device (driver reset, GPU process crash, device.destroy()) makes every later model call fail
 * or hang. The page hears of it at once, whether or not a request is running, and restarts the worker.
 */
async function watchDevice(model: Vlm) {
  const device = await ortDevice().catch(() => null);
  if (!device) return;
  const info = await device.lost;
  if (vlm !== model) return; // a later load replaced this model
  reply({ id: 0, type: 'device-lost', message: info.message || `the WebGPU device was lost (${info.reason ?? 'unknown reason'})` });
}

function stats(): WorkerStats {
  const perClip = vlm?.spec.frame.perClip ?? 0;
  return {
    recentClips: recent.size,
    recentCapacity: recent.limit,
    framesHeld: recent.frames + inFlightFrames + (training ? heldByTraining : 0),
    framesBound: (2 * recent.limit + 1) * perClip,
  };
}

/** Frames of the clips a running training took from the buffer. */
let heldByTraining = 0;

/** Development builds only: vite replaces import.meta.env.DEV with false in a build, which drops this. */
async function injectFault(fault: InjectedFault) {
  if (!import.meta.env.DEV) throw new Error('fault injection exists in development builds only');
  if (fault === 'crash') {
    // Uncaught, as a real bug would be: the page sees the worker's error event.
    setTimeout(() => {
      throw new Error('injected worker crash (test hook)');
    });
    return;
  }
  // ORT's device getter waits for a WebGPU backend, which a WASM model never starts.
  const device = vlm?.device === 'webgpu' ? await ortDevice() : null;
  if (!device) throw new Error('the model is not running on WebGPU');
  device.destroy();
}

function dispatch(req: WorkerRequest): Promise<void> {
  switch (req.type) {
    case 'stats':
      reply({ id: req.id, type: 'stats', stats: stats() });
      return Promise.resolve();
    case 'test-fault':
      return injectFault(req.fault).then(() => reply({ id: req.id, type: 'done' }));
    case 'train-adapter':
      return trainAdapter(req);
    case 'cancel-adapter':
      // Answered at once: it only flags the run, which stops before its next model call.
      training?.abort();
      reply({ id: req.id, type: 'done' });
      return Promise.resolve();
    case 'load':
      // A new model invalidates the clips and vectors a running training works with.
      training?.abort();
      return lock.run(() => handle(req));
    default:
      return lock.run(() => handle(req));
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  dispatch(req).catch((err: unknown) => reply({ id: req.id, type: 'error', message: err instanceof Error ? err.message : String(err) }));
};

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
import { configureBrowserRuntime, pickDevice } from '../memorize/browser-env';
import { Vlm } from '../memorize/vlm';
import { Memorizer } from '../memorize/memorizer';
import { getModelSpec } from '../memorize/registry';
import type { PolicyModel } from '../adapter/phase-two';
import { ModelLock } from './model-lock';
import { RecentClips } from './recent-clips';
import { clipPromptOf } from '../adapter/phase-two';
import { lockedPolicy, runAdapterTraining } from './adapter-training';
import type { AdapterProgress, WorkerReply, WorkerRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let vlm: Vlm | null = null;
let memorizer: Memorizer | null = null;
/** The adapter memorization uses (set-steer); null = the plain model. */
let activeVector: Float32Array | null = null;
const lock = new ModelLock();
const recent = new RecentClips();
let training: AbortController | null = null;

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
    completionLogProb: (m, f, c) => model.completionLogProb(m, f, c),
    setSteer: (v) => steer.set(v),
  };
}

/** Requests that run under the lock as a whole, in arrival order. */
async function handle(req: Exclude<WorkerRequest, { type: 'train-adapter' | 'cancel-adapter' }>) {
  switch (req.type) {
    case 'load': {
      configureBrowserRuntime();
      const spec = getModelSpec(req.modelId);
      const { device, notice } = await pickDevice(req.device);
      await vlm?.dispose();
      // A dtype the model does not list falls back to its default rather than failing to load.
      const dtype = req.dtype && spec.dtypes.includes(req.dtype) ? req.dtype : spec.defaultDtype;
      vlm = await Vlm.load(spec, {
        device,
        dtype,
        progress: (p) => {
          if (p.status === 'progress') reply({ id: req.id, type: 'progress', file: p.file, loaded: p.loaded, total: p.total });
        },
      });
      memorizer = new Memorizer(vlm);
      activeVector = null;
      recent.take();
      reply({ id: req.id, type: 'loaded', modelId: spec.id, device, dtype, notice, steer: !!vlm.steer });
      return;
    }
    case 'memorize': {
      if (!memorizer || !vlm) throw new Error('no model loaded');
      steerTo(activeVector);
      memorizer.options.adapterVersion = req.adapterVersion;
      // The prompt is taken before memorizing, which moves the sliding window on.
      const prompt = clipPromptOf(req.clip, memorizer.windowFor(req.clip.streamId), vlm.spec.frame.framesPerImage);
      const result = await memorizer.memorize(req.clip);
      recent.add(prompt, req.recentClips);
      reply({ id: req.id, type: 'memorized', result });
      return;
    }
    case 'forget-clips': {
      recent.forget(req.keys);
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
      const text = await vlm.generate(req.messages, [], {
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
  }
}

function dispatch(req: WorkerRequest): Promise<void> {
  switch (req.type) {
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

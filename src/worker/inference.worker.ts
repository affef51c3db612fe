/// <reference lib="webworker" />
/**
 * The inference worker: loads the model with transformers.js (WebGPU when the browser has an
 * adapter, WASM otherwise), memorizes clips and generates answers, so the page never blocks.
 */
import { configureBrowserRuntime, pickDevice } from '../memorize/browser-env';
import { Vlm } from '../memorize/vlm';
import { Memorizer } from '../memorize/memorizer';
import { getModelSpec } from '../memorize/registry';
import type { WorkerReply, WorkerRequest } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let vlm: Vlm | null = null;
let memorizer: Memorizer | null = null;

function reply(msg: WorkerReply) {
  self.postMessage(msg);
}

async function handle(req: WorkerRequest) {
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
      reply({ id: req.id, type: 'loaded', modelId: spec.id, device, dtype, notice, steer: !!vlm.steer });
      return;
    }
    case 'memorize': {
      if (!memorizer) throw new Error('no model loaded');
      memorizer.options.adapterVersion = req.adapterVersion;
      reply({ id: req.id, type: 'memorized', result: await memorizer.memorize(req.clip) });
      return;
    }
    case 'restore-window': {
      memorizer?.restore(req.streamId, req.memories);
      reply({ id: req.id, type: 'done' });
      return;
    }
    case 'generate': {
      if (!vlm) throw new Error('no model loaded');
      const text = await vlm.generate(req.messages, [], {
        maxNewTokens: req.maxNewTokens,
        onToken: req.stream ? (t) => reply({ id: req.id, type: 'token', text: t }) : undefined,
      });
      reply({ id: req.id, type: 'generated', text });
      return;
    }
    case 'set-steer': {
      if (!vlm?.steer) throw new Error('the loaded model has no steer input');
      vlm.steer.set(req.vector);
      reply({ id: req.id, type: 'done' });
      return;
    }
  }
}

// One request at a time: the model is single-threaded state; queued requests keep their order.
let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data;
  queue = queue.then(() =>
    handle(req).catch((err: unknown) => reply({ id: req.id, type: 'error', message: err instanceof Error ? err.message : String(err) })),
  );
};

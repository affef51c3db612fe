import { describe, expect, it } from 'vitest';
import { ModelLock } from '../../src/worker/model-lock';
import { lockedPolicy, runAdapterTraining, NothingToLearnError } from '../../src/worker/adapter-training';
import { DEFAULT_STEER_TRAINING } from '../../src/adapter/phase-two';
import type { ClipPrompt, PolicyModel } from '../../src/adapter/phase-two';
import type { AdapterProgress } from '../../src/worker/protocol';

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/**
 * A model with one global steer vector, like the worker's: it records which vector each call ran
 * with and fails the test if two calls ever overlap.
 */
class RecordingModel implements PolicyModel {
  steer: Float32Array | null = null;
  running = 0;
  overlaps = 0;
  readonly log: { kind: string; steer: number }[] = [];
  constructor(private readonly outputs: string[] = ['A red circle labeled KIWI appears at top left.']) {}
  setSteer(v: Float32Array | null) {
    this.steer = v;
  }
  private async call<T>(kind: string, value: T): Promise<T> {
    if (this.running++) this.overlaps++;
    this.log.push({ kind, steer: this.steer?.[0] ?? 0 });
    await tick();
    this.running--;
    return value;
  }
  generate() {
    const out = this.outputs[this.log.length % this.outputs.length]!;
    return this.call('generate', out);
  }
  completionLogProb(_m: unknown, _f: unknown, completion: string) {
    // The steer vector's first entry favours longer completions: something SPSA can learn.
    return this.call('logprob', -completion.length / 10 + (this.steer?.[0] ?? 0) * completion.length / 50);
  }
}

describe('model lock', () => {
  it('runs calls one at a time in the order they asked, and survives a failing call', async () => {
    const lock = new ModelLock();
    const order: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) =>
      lock.run(async () => {
        expect(running++).toBe(0);
        await tick(2);
        order.push(name);
        running--;
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c'), job('d')]);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(lock.pending).toBe(0);
  });

  it('lets events that arrive during a loop of calls that never leave the microtask queue take their turn', async () => {
    const lock = new ModelLock();
    let calls = 0;
    let memorizedAfter = -1;
    // Like a WASM forward pass: resolves at once, without ever returning to the event loop.
    const instantCall = () => lock.run(() => Promise.resolve(calls++));
    // Like a memorize request posted to the worker while training runs: a message event (a task,
    // as a worker's messages are), queued before the loop starts. A timer would make this depend
    // on how many calls fit in its minimum delay.
    const request = new MessageChannel();
    request.port1.onmessage = () => {
      request.port1.close();
      void lock.run(() => (memorizedAfter = calls));
    };
    request.port2.postMessage(null);
    for (let i = 0; i < 200; i++) await instantCall();
    expect(memorizedAfter).toBeGreaterThanOrEqual(0);
    expect(memorizedAfter).toBeLessThan(10);
  });

  it('interleaves a training loop with memorization: each call runs with its own vector, and a memorization waits for one training call at most', async () => {
    const lock = new ModelLock();
    const model = new RecordingModel();
    const policy = lockedPolicy(lock, model);
    const active = Float32Array.of(7);
    const training = (async () => {
      policy.setSteer(Float32Array.of(1));
      for (let i = 0; i < 20; i++) await policy.completionLogProb([], [], 'x');
      policy.setSteer(null);
      for (let i = 0; i < 5; i++) await policy.generate([], []);
    })();
    // Memorization as the worker does it: the whole request under the lock, the active vector set first.
    const memorize = () =>
      lock.run(async () => {
        model.setSteer(active);
        const before = model.log.length;
        await model.generate();
        return before;
      });
    const memorized: number[] = [];
    for (let i = 0; i < 4; i++) {
      await tick(5);
      const requestedAt = model.log.length;
      const startedAt = await memorize();
      memorized.push(startedAt);
      expect(startedAt - requestedAt).toBeLessThanOrEqual(1);
    }
    await training;
    expect(model.overlaps).toBe(0);
    const memorizeCalls = model.log.filter((c) => c.steer === 7);
    expect(memorizeCalls).toHaveLength(4);
    // Memorization happened while training was still running, not after it.
    expect(Math.max(...memorized)).toBeLessThan(25);
    const trainingCalls = model.log.filter((c) => c.steer !== 7);
    expect(trainingCalls.slice(0, 20).every((c) => c.kind === 'logprob' && c.steer === 1)).toBe(true);
    expect(trainingCalls.slice(20).every((c) => c.kind === 'generate' && c.steer === 0)).toBe(true);
  });

  it('stops calling the model once its signal aborts', async () => {
    const lock = new ModelLock();
    const model = new RecordingModel();
    const abort = new AbortController();
    const policy = lockedPolicy(lock, model, abort.signal);
    await policy.generate([], []);
    const pending = policy.generate([], []);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(policy.completionLogProb([], [], 'x')).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.log).toHaveLength(1);
  });
});

const clip = (i: number): ClipPrompt => ({ key: ['s', i], messages: [{ role: 'user', content: `clip ${i}` }], frames: [], window: [] });
const tasks = [
  { type: 'color', question: 'What color is KIWI?' },
  { type: 'position', question: 'Where is KIWI?' },
];
// The first memory names a color and a position, the second neither: clearly separated rewards.
const outputs = ['A red circle labeled KIWI appears at top left.', 'KIWI appears.'];

describe('adapter training in the worker', () => {
  it('collects pairs, trains, reports progress per clip and step, and names the clips it used', async () => {
    const progress: AdapterProgress[] = [];
    const result = await runAdapterTraining({
      policy: lockedPolicy(new ModelLock(), new RecordingModel(outputs)),
      clips: [clip(0), clip(1)],
      tasks,
      hiddenSize: 4,
      init: null,
      options: { steps: 3, candidates: 2, batch: 2 },
      signal: new AbortController().signal,
      onProgress: (p) => progress.push(p),
    });
    expect(result.vector).toHaveLength(4);
    expect(result.metrics).toMatchObject({ clips: 2, candidates: 4, steps: 3 });
    expect(result.metrics.pairs).toBeGreaterThan(0);
    expect(result.clipKeys).toEqual([['s', 0], ['s', 1]]);
    expect(progress.filter((p) => p.phase === 'collect').map((p) => p.done)).toEqual([0, 1, 2]);
    expect(progress.filter((p) => p.phase === 'train').map((p) => p.done)).toEqual([0, 1, 2, 3]);
  });

  it('averages the SPSA directions the options ask for', async () => {
    const logProbCalls = async (steps: number, directions?: number) => {
      const model = new RecordingModel(outputs);
      await runAdapterTraining({
        policy: lockedPolicy(new ModelLock(), model), clips: [clip(0), clip(1)], tasks, hiddenSize: 4, init: null,
        options: { steps, candidates: 2, batch: 2, directions }, signal: new AbortController().signal, onProgress: () => {},
      });
      return model.log.filter((c) => c.kind === 'logprob').length;
    };
    const fixed = await logProbCalls(0);
    const one = (await logProbCalls(2, 1)) - fixed;
    expect(one).toBeGreaterThan(0);
    expect((await logProbCalls(2, 3)) - fixed).toBe(3 * one);
    expect((await logProbCalls(2)) - fixed).toBe(DEFAULT_STEER_TRAINING.directions! * one);
  });

  it('throws an abort when cancelled mid-training, and says why when there is nothing to learn', async () => {
    const abort = new AbortController();
    const run = runAdapterTraining({
      policy: lockedPolicy(new ModelLock(), new RecordingModel(outputs), abort.signal),
      clips: [clip(0)],
      tasks,
      hiddenSize: 4,
      init: null,
      options: { steps: 1000, candidates: 2, batch: 2 },
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'train' && p.done === 2) abort.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const base = { policy: lockedPolicy(new ModelLock(), new RecordingModel(outputs)), hiddenSize: 4, init: null, options: {}, signal: new AbortController().signal, onProgress: () => {} };
    await expect(runAdapterTraining({ ...base, clips: [clip(0)], tasks: [] })).rejects.toThrow(NothingToLearnError);
    await expect(runAdapterTraining({ ...base, clips: [], tasks })).rejects.toThrow(/memorize a stream first/);
  });
});

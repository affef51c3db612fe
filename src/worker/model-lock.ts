/**
 * One FIFO lock around the model. The worker has a single model whose steer vector is global
 * state, so every model call (a memorization, a chat answer, one forward pass or one candidate of
 * adapter training) runs alone and sets the vector it needs first. Calls run in the order they asked
 * for the lock, so training, which asks for it one call at a time, interleaves with memorization
 * instead of holding it off: a memorize request waits for at most the one call already running.
 */

/**
 * Resolves in a new task, after the tasks already queued. A model call on WASM can finish without
 * ever returning to the event loop, so a training loop of such calls is one long chain of
 * microtasks during which the worker would never receive a message: a memorize request would wait
 * for the whole training. Yielding before each call lets waiting messages in and queue their calls.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export class ModelLock {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(private readonly yieldBeforeCall: () => Promise<void> = nextTask) {}

  /** Calls waiting for the lock or running under it (observability for tests). */
  get pending(): number {
    return this.queued;
  }

  /** Runs `fn` once every earlier call has settled; its result or error is passed through. */
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail
      .then(this.yieldBeforeCall)
      .then(fn)
      .finally(() => this.queued--);
    // A failed call must not poison the calls queued behind it.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { addSteerInput, removeSteerInput, summarizeDecoder } from '../../src/adapter/steer-graph';

const fused = readFileSync(new URL('../fixtures/fused-skipnorm.onnx', import.meta.url));
// The same graph with the norm's optional bias set (scripts/fixture/make-fused-graph.py).
const fusedWithBias = readFileSync(new URL('../fixtures/fused-skipnorm-bias.onnx', import.meta.url));
const H = 4;
const x = Float32Array.from({ length: 2 * H }, (_, i) => (i % 5) - 2);

async function run(model: Uint8Array, steer?: Float32Array) {
  const session = await ort.InferenceSession.create(model);
  const feeds: Record<string, ort.Tensor> = { inputs_embeds: new ort.Tensor('float32', x, [1, 2, H]) };
  if (steer) feeds.steer = new ort.Tensor('float32', steer, [H]);
  const out = await session.run(feeds);
  return { normed: out.normed.data as Float32Array, residual: out.residual.data as Float32Array };
}

describe('steer surgery on an ORT-fused graph (SkipSimplifiedLayerNormalization)', () => {
  it('adds a steer input routed into the skip-norm bias', () => {
    const { model, info } = addSteerInput(fused, { layer: 0, hiddenSize: H });
    expect(info.method).toBe('skip-norm-bias');
    const summary = summarizeDecoder(model);
    expect(summary.inputs.map((i) => i.name)).toEqual(['inputs_embeds', 'steer']);
    expect(summary.steer?.layer).toBe(0);
  });

  it('zero steer reproduces the plain graph; a vector shifts the residual stream by exactly itself', async () => {
    const { model } = addSteerInput(fused, { layer: 0, hiddenSize: H });
    const plain = await run(fused);
    const zero = await run(model, new Float32Array(H));
    expect(Array.from(zero.residual)).toEqual(Array.from(plain.residual));
    expect(Array.from(zero.normed)).toEqual(Array.from(plain.normed));
    const v = Float32Array.from([0.5, -1, 2, 0]);
    const steered = await run(model, v);
    steered.residual.forEach((r, i) => expect(r).toBeCloseTo(plain.residual[i] + v[i % H], 5));
    expect(Array.from(steered.normed)).not.toEqual(Array.from(plain.normed));
  });

  it('refuses a model that already has the input, and a layer outside the decoder', () => {
    const { model } = addSteerInput(fused, { layer: 0, hiddenSize: H });
    expect(() => addSteerInput(model, { layer: 0, hiddenSize: H })).toThrow(/already has a 'steer' input/);
    expect(() => addSteerInput(fused, { layer: 7, hiddenSize: H })).toThrow(/outside the decoder's 2 layers/);
  });

  it('adds the vector to a bias the norm already has, and removing the input restores each graph byte for byte', async () => {
    const { model } = addSteerInput(fusedWithBias, { layer: 0, hiddenSize: H });
    const v = Float32Array.from([0.5, -1, 2, 0]);
    const plain = await run(fusedWithBias);
    const steered = await run(model, v);
    steered.residual.forEach((r, i) => expect(r).toBeCloseTo(plain.residual[i] + v[i % H], 5));
    for (const graph of [fused, fusedWithBias]) {
      const removed = removeSteerInput(addSteerInput(graph, { layer: 0, hiddenSize: H }).model);
      expect(Buffer.from(removed).equals(graph)).toBe(true);
    }
    expect(summarizeDecoder(removeSteerInput(model)).inputs.map((i) => i.name)).toEqual(['inputs_embeds']);
    expect(Array.from((await run(removeSteerInput(model))).residual)).toEqual(Array.from(plain.residual));
    expect(() => removeSteerInput(fused)).toThrow(/no 'steer' input to remove/);
  });

  it('refuses bytes that are not an ONNX model', () => {
    expect(() => addSteerInput(new Uint8Array([8, 1, 18, 3, 97]), { layer: 0, hiddenSize: H })).toThrow();
  });
});

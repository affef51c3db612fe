/**
 * Per-position steering: an unfused decoder's steer input is declared without a shape, so the
 * vector can be left off the image tokens, as a written instruction after the images is.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { addSteerInput, allowPerPositionSteer, prepareDecoder, readSteerInfo, removeSteerInput, summarizeDecoder } from '../../src/adapter/steer-graph';
import { concatBytes, lenField, stringField, varintField } from '../../src/adapter/protobuf-wire';
import { bindSteer } from '../../src/memorize/steer-binding';
import { prepareModelDir } from '../../scripts/prepare-steer';

const H = 4;
const T = 3;

// ONNX field numbers (onnx.proto) for the few messages this graph needs.
const valueInfo = (name: string, dims: number[]) => concatBytes([
  stringField(1, name),
  lenField(2, lenField(1, concatBytes([varintField(1, 1), lenField(2, concatBytes(dims.map((d) => lenField(1, varintField(1, d)))))]))),
]);
const node = (op: string, name: string, inputs: string[], outputs: string[]) => concatBytes([
  ...inputs.map((i) => stringField(1, i)), ...outputs.map((o) => stringField(2, o)), stringField(3, name), stringField(4, op),
]);

/** Two "layers" as an unfused export names them: layer 0 ends in a residual Add that layer 1 reads. */
function unfusedDecoder(): Uint8Array {
  const graph = concatBytes([
    lenField(1, node('Mul', '/model/layers.0/mlp/Mul', ['inputs_embeds', 'inputs_embeds'], ['/model/layers.0/mlp/Mul_output_0'])),
    lenField(1, node('Add', '/model/layers.0/Add_1', ['inputs_embeds', '/model/layers.0/mlp/Mul_output_0'], ['/model/layers.0/Add_1_output_0'])),
    lenField(1, node('Identity', '/model/layers.1/Identity', ['/model/layers.0/Add_1_output_0'], ['hidden'])),
    stringField(2, 'decoder'),
    lenField(11, valueInfo('inputs_embeds', [1, T, H])),
    lenField(12, valueInfo('hidden', [1, T, H])),
  ]);
  return concatBytes([varintField(1, 8), lenField(8, concatBytes([stringField(1, ''), varintField(2, 17)])), lenField(7, graph)]);
}

const x = Float32Array.from({ length: T * H }, (_, i) => (i % 5) - 2);
const plain = x.map((v) => v + v * v);

async function hidden(model: Uint8Array, steer: ort.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model);
  const out = await session.run({ inputs_embeds: new ort.Tensor('float32', x, [1, T, H]), steer });
  return out.hidden.data as Float32Array;
}

describe('per-position steer input', () => {
  const v = Float32Array.from([1, -2, 3, 0.5]);

  it('takes one vector for every position, or a vector per position (zeros where none is wanted)', async () => {
    const { model, info } = addSteerInput(unfusedDecoder(), { layer: 0, hiddenSize: H });
    expect(info).toMatchObject({ method: 'add', perPosition: true });
    const everywhere = await hidden(model, new ort.Tensor('float32', v, [H]));
    everywhere.forEach((h, i) => expect(h).toBeCloseTo(plain[i] + v[i % H], 5));
    const rows = new Float32Array(T * H);
    rows.set(v, 2 * H); // only the last position, as after the images
    const last = await hidden(model, new ort.Tensor('float32', rows, [1, T, H]));
    last.forEach((h, i) => expect(h).toBeCloseTo(plain[i] + (i >= 2 * H ? v[i % H] : 0), 5));
  });

  it('upgrades a decoder prepared with the fixed shape, which refuses positions before and takes them after', async () => {
    const fixed = addSteerInput(unfusedDecoder(), { layer: 0, hiddenSize: H, perPosition: false }).model;
    const rows = new ort.Tensor('float32', new Float32Array(T * H).fill(1), [1, T, H]);
    await expect(hidden(fixed, rows)).rejects.toThrow(/rank|dimension|shape/i);
    const upgraded = allowPerPositionSteer(fixed)!;
    expect(summarizeDecoder(upgraded).steer).toMatchObject({ method: 'add', perPosition: true, layer: 0, hiddenSize: H });
    (await hidden(upgraded, rows)).forEach((h, i) => expect(h).toBeCloseTo(plain[i] + 1, 5));
    expect(allowPerPositionSteer(upgraded)).toBeNull();
  });

  it('prepares a plain decoder, upgrades a fixed-shape one and leaves a prepared one alone, each as the separate steps do', () => {
    const site = { layer: 0, hiddenSize: H };
    const patched = prepareDecoder(unfusedDecoder(), site);
    expect(patched.status).toBe('patched');
    expect(patched.model).toEqual(addSteerInput(unfusedDecoder(), site).model);
    expect(patched.info).toMatchObject({ method: 'add', perPosition: true, layer: 0 });
    const fixed = addSteerInput(unfusedDecoder(), { ...site, perPosition: false }).model;
    const upgraded = prepareDecoder(fixed, site);
    expect(upgraded).toEqual({ status: 'upgraded', model: allowPerPositionSteer(fixed) });
    expect(prepareDecoder(upgraded.model!, site)).toEqual({ status: 'already-prepared' });
  });

  it('removes the steer of an unfused decoder, giving back the exported graph byte for byte', async () => {
    for (const perPosition of [true, false]) {
      const { model } = addSteerInput(unfusedDecoder(), { layer: 0, hiddenSize: H, perPosition });
      expect(Buffer.from(removeSteerInput(model)).equals(Buffer.from(unfusedDecoder()))).toBe(true);
    }
    const session = await ort.InferenceSession.create(removeSteerInput(addSteerInput(unfusedDecoder(), { layer: 0, hiddenSize: H }).model));
    expect(session.inputNames).toEqual(['inputs_embeds']);
    const out = await session.run({ inputs_embeds: new ort.Tensor('float32', x, [1, T, H]) });
    (out.hidden.data as Float32Array).forEach((h, i) => expect(h).toBeCloseTo(plain[i], 5));
  });
});

describe('moving the steer to another layer (the committed fixture, steer after layer 1 of 4)', () => {
  const committed = () => new Uint8Array(readFileSync(new URL('../../models/taskmem/qwen3-vl-fixture/onnx/decoder_model_merged.onnx', import.meta.url)));

  it('moves it only when asked, to the same graph a fresh preparation at that layer gives', () => {
    const site = { layer: 2, hiddenSize: 128 };
    // Without being asked to move, the fixed-shape input is only re-declared, at layer 1.
    const kept = prepareDecoder(committed(), site);
    expect(kept.status).toBe('upgraded');
    expect(summarizeDecoder(kept.model!).steer?.layer).toBe(1);
    const moved = prepareDecoder(committed(), site, { move: true });
    expect(moved.status).toBe('moved');
    expect(summarizeDecoder(moved.model!).steer).toMatchObject({ layer: 2, method: 'add', tensor: '/layers.2/Add_1_output_0', perPosition: true });
    expect(summarizeDecoder(moved.model!).inputs.filter((i) => i.name === 'steer')).toHaveLength(1);
    const fresh = addSteerInput(removeSteerInput(committed()), site).model;
    expect(Buffer.from(moved.model!).equals(Buffer.from(fresh))).toBe(true);
    // Asked for the layer it is already at, nothing moves.
    expect(prepareDecoder(moved.model!, site, { move: true }).status).toBe('already-prepared');
  });

  it('reads the prepared layer from the metadata alone, as the graph walk does', () => {
    const moved = prepareDecoder(committed(), { layer: 2, hiddenSize: 128 }, { move: true }).model!;
    expect(readSteerInfo(moved)).toEqual(summarizeDecoder(moved).steer);
    expect(readSteerInfo(moved)?.layer).toBe(2);
    expect(readSteerInfo(committed())?.layer).toBe(1);
    expect(readSteerInfo(removeSteerInput(committed()))).toBeNull();
  });

  it('npm run prepare-steer moves it when --layer names another layer, and never by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskmem-prepare-steer-'));
    try {
      mkdirSync(join(dir, 'onnx'));
      copyFileSync(new URL('../../models/taskmem/qwen3-vl-fixture/config.json', import.meta.url), join(dir, 'config.json'));
      writeFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx'), committed());
      const layerOf = () => summarizeDecoder(new Uint8Array(readFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx')))).steer?.layer;
      expect(prepareModelDir(dir).map((r) => r.status)).toEqual(['upgraded']);
      expect(layerOf()).toBe(1);
      expect(prepareModelDir(dir, { layer: 2 })).toEqual([{ file: 'decoder_model_merged.onnx', status: 'moved', tensor: '/layers.2/Add_1_output_0', method: 'add' }]);
      expect(layerOf()).toBe(2);
      // The default layer (the middle one, 1) does not pull it back.
      expect(prepareModelDir(dir).map((r) => r.status)).toEqual(['already-prepared']);
      expect(layerOf()).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with zeros, the moved decoder computes what the committed one does', async () => {
    const moved = prepareDecoder(committed(), { layer: 2, hiddenSize: 128 }, { move: true }).model!;
    const L = 3, kvHeads = 2, headDim = 32;
    const feeds = (withPositions: boolean): Record<string, ort.Tensor> => {
      const f: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', Float32Array.from({ length: L * 128 }, (_, i) => Math.sin(i) / 4), [1, L, 128]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from({ length: L }, () => 1n), [1, L]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: 3 * L }, (_, i) => BigInt(i % L)), [3, 1, L]),
        steer: withPositions ? new ort.Tensor('float32', new Float32Array(L * 128), [1, L, 128]) : new ort.Tensor('float32', new Float32Array(128), [128]),
      };
      for (let i = 0; i < 4; i++) for (const k of ['key', 'value']) f[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
      return f;
    };
    const a = await (await ort.InferenceSession.create(committed())).run(feeds(false));
    const b = await (await ort.InferenceSession.create(moved)).run(feeds(true));
    expect(Array.from(b.logits.data as Float32Array)).toEqual(Array.from(a.logits.data as Float32Array));
  });
});

describe('steer binding by position', () => {
  type Fed = { dims: number[]; data: Float32Array };
  const fakeModel = () => {
    const fed: Fed[] = [];
    const session = {
      inputNames: ['inputs_embeds', 'steer'],
      async run(feeds: Record<string, unknown>) {
        fed.push(feeds.steer as Fed);
        return {};
      },
    };
    return { model: { sessions: { decoder_model_merged: session } }, fed };
  };
  const embeds = (length: number) => ({ inputs_embeds: { dims: [1, length, H] } });
  const v = Float32Array.from([1, -2, 3, 0.5]);

  it("'after-images' feeds zeros up to the images' end on the prompt run and the whole vector on each generated token", async () => {
    const { model, fed } = fakeModel();
    const handle = bindSteer(model, H, 'float32', true);
    handle.set(v);
    handle.positions = 'after-images';
    handle.imagesEndAt(2);
    await model.sessions.decoder_model_merged.run(embeds(3));
    await model.sessions.decoder_model_merged.run(embeds(1));
    expect(fed[0]!.dims).toEqual([1, 3, H]);
    expect(Array.from(fed[0]!.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, ...v]);
    expect(fed[1]!.dims).toEqual([H]);
    expect(Array.from(fed[1]!.data)).toEqual(Array.from(v));
  });

  it("'all' (the default) feeds one vector for every run", async () => {
    const { model, fed } = fakeModel();
    const handle = bindSteer(model, H, 'float32', true);
    handle.set(v);
    handle.imagesEndAt(2);
    expect(handle.positions).toBe('all');
    await model.sessions.decoder_model_merged.run(embeds(3));
    expect(fed[0]!.dims).toEqual([H]);
  });

  it('refuses positions on a decoder whose steer input has the fixed shape', () => {
    const handle = bindSteer(fakeModel().model, H, 'float32', false);
    expect(() => { handle.positions = 'after-images'; }).toThrow(/prepare-steer/);
    expect(handle.positions).toBe('all');
  });
});

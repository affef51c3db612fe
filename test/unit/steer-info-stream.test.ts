/**
 * The browser reads where the loaded decoder steers from the decoder file as it streams past
 * (src/memorize/decoder-steer.ts): the streamed read must find what the whole-file read finds,
 * however the file is cut into chunks, and must not mistake a cut-off file for one without
 * metadata.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS_ROOT } from '../../scripts/lib/node-models';
import { FIXTURE_MODEL_ID } from '../../src/memorize/registry';
import { prepareDecoder, readSteerInfo, readSteerInfoFromStream, removeSteerInput } from '../../src/adapter/steer-graph';
import { readFields, readStreamFields } from '../../src/adapter/protobuf-wire';

const committed = () => new Uint8Array(readFileSync(join(MODELS_ROOT, FIXTURE_MODEL_ID, 'onnx', 'decoder_model_merged.onnx')));

/** `bytes` cut into chunks of the sizes `sizes` gives, in turn. */
async function* chunks(bytes: Uint8Array, sizes: (i: number) => number): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes(i));
    yield bytes.slice(at, at + n);
    at += n;
  }
}

/** A deterministic spread of chunk sizes from 1 byte to 64 KiB. */
const mixed = (i: number) => [1, 7, 65_536, 3, 4096, 250_000, 2][i % 7]!;

describe('the steer metadata read from a streamed decoder file', () => {
  it('finds the layer the committed decoder steers after, for any chunking', async () => {
    const model = committed();
    const whole = readSteerInfo(model);
    expect(whole).toMatchObject({ layer: 1, hiddenSize: 128 });
    expect(await readSteerInfoFromStream(chunks(model, () => model.length))).toEqual(whole);
    expect(await readSteerInfoFromStream(chunks(model, mixed))).toEqual(whole);
    expect(await readSteerInfoFromStream(chunks(model, () => 8191))).toEqual(whole);
  });

  it('finds the layer of a decoder moved to another layer, and nothing in an unprepared one', async () => {
    const moved = prepareDecoder(committed(), { layer: 2, hiddenSize: 128 }, { move: true }).model!;
    expect(await readSteerInfoFromStream(chunks(moved, mixed))).toMatchObject({ layer: 2, hiddenSize: 128 });
    const plain = removeSteerInput(committed());
    expect(readSteerInfo(plain)).toBeNull();
    expect(await readSteerInfoFromStream(chunks(plain, mixed))).toBeNull();
  });

  it('refuses a file cut off inside a field instead of reading it as one without metadata', async () => {
    const model = committed();
    const cut = model.slice(0, Math.floor(model.length / 2));
    await expect(readSteerInfoFromStream(chunks(cut, mixed))).rejects.toThrow(/runs past the end|truncated/);
  });

  it('keeps exactly the payloads asked for, byte for byte, and passes over the rest', async () => {
    const model = committed();
    const all = readFields(model).filter((f) => f.wire === 2);
    const kept = await readStreamFields(chunks(model, mixed), (field) => field !== 7);
    expect(kept.map((f) => f.field)).toEqual(all.filter((f) => f.field !== 7).map((f) => f.field));
    kept.forEach((f, i) => expect(Buffer.from(f.payload!).equals(Buffer.from(all.filter((a) => a.field !== 7)[i]!.payload!))).toBe(true));
    const graph = await readStreamFields(chunks(model, mixed), (field) => field === 7);
    expect(graph).toHaveLength(1);
    expect(Buffer.from(graph[0]!.payload!).equals(Buffer.from(all.find((f) => f.field === 7)!.payload!))).toBe(true);
  });
});

/**
 * Graph surgery that gives a decoder ONNX model TaskMem's steer input: a vector of the model's
 * hidden size added to the residual stream after one decoder layer. Zeros reproduce the plain model.
 *
 * Works on the raw protobuf bytes (see protobuf-wire.ts) so every field it does not edit survives,
 * whatever the model's ONNX IR version. Two graph shapes are handled:
 *  - unfused exports (torch/Optimum): the last residual `Add` of layer L is renamed and a new
 *    `Add(steer)` node produces the original tensor name, so no consumer needs rewiring;
 *  - ORT-fused graphs: layer L's residual add lives in layer L+1's Skip(Simplified)LayerNormalization,
 *    whose optional `bias` input is added to that sum, so the steer vector becomes (part of) the bias.
 * Pure TypeScript on Uint8Array: runs in Node (model preparation) and in the browser.
 */
import {
  concatBytes, decodeString, lenField, readFields, readStreamFields, stringField, varintField, WIRE_LEN, type WireField,
} from './protobuf-wire';

export const STEER_INPUT = 'steer';
export const STEER_METADATA_KEY = 'taskmem.steer';

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_METADATA = 14;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP = 4;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;

export const ELEM_FLOAT = 1;
export const ELEM_FLOAT16 = 10;

interface NodeView {
  raw: Uint8Array;
  fields: WireField[];
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  layer: number | null;
}

export interface SteerInfo {
  layer: number;
  /** Tensor the vector is added to: the residual stream leaving layer `layer`. */
  tensor: string;
  method: 'add' | 'skip-norm-bias';
  hiddenSize: number;
  elemType: number;
  /**
   * The input is declared without a shape, so it takes [hiddenSize] (every position) or
   * [1, sequence, hiddenSize] (a vector per position, e.g. none on the image tokens). Only the
   * `add` method broadcasts; a skip-norm bias must stay [hiddenSize].
   */
  perPosition?: boolean;
}

export interface DecoderSummary {
  inputs: { name: string; elemType: number | null }[];
  numLayers: number;
  steer: SteerInfo | null;
}

const LAYER_RE = /(?:^|\/|\.)layers?[./](\d+)(?:[./]|$)/;

function layerOf(name: string, outputs: string[]): number | null {
  for (const s of [name, ...outputs]) {
    const m = LAYER_RE.exec(s);
    if (m) return Number(m[1]);
  }
  return null;
}

function parseNode(raw: Uint8Array): NodeView {
  const fields = readFields(raw);
  const strs = (n: number) => fields.filter((f) => f.field === n && f.wire === WIRE_LEN).map((f) => decodeString(f.payload!));
  const name = strs(NODE_NAME)[0] ?? '';
  const outputs = strs(NODE_OUTPUT);
  return { raw, fields, name, op: strs(NODE_OP)[0] ?? '', inputs: strs(NODE_INPUT), outputs, layer: layerOf(name, outputs) };
}

function valueInfoName(payload: Uint8Array): string {
  const f = readFields(payload).find((x) => x.field === VALUE_NAME);
  return f ? decodeString(f.payload!) : '';
}

function valueInfoElemType(payload: Uint8Array): number | null {
  const type = readFields(payload).find((x) => x.field === VALUE_TYPE);
  if (!type) return null;
  const tensor = readFields(type.payload!).find((x) => x.field === TYPE_TENSOR);
  if (!tensor) return null;
  const elem = readFields(tensor.payload!).find((x) => x.field === TENSOR_ELEM);
  return elem?.value !== undefined ? Number(elem.value) : null;
}

function tensorValueInfo(name: string, elemType: number, dims: number[]): Uint8Array {
  const shape = concatBytes(dims.map((d) => lenField(SHAPE_DIM, varintField(DIM_VALUE, d))));
  const tensorType = concatBytes([varintField(TENSOR_ELEM, elemType), lenField(TENSOR_SHAPE, shape)]);
  return concatBytes([stringField(VALUE_NAME, name), lenField(VALUE_TYPE, lenField(TYPE_TENSOR, tensorType))]);
}

/** A tensor input with an element type and no shape: any rank the graph's ops accept. */
function unshapedValueInfo(name: string, elemType: number): Uint8Array {
  return concatBytes([stringField(VALUE_NAME, name), lenField(VALUE_TYPE, lenField(TYPE_TENSOR, varintField(TENSOR_ELEM, elemType)))]);
}

function nodeBytes(op: string, name: string, inputs: string[], outputs: string[]): Uint8Array {
  return concatBytes([
    ...inputs.map((i) => stringField(NODE_INPUT, i)),
    ...outputs.map((o) => stringField(NODE_OUTPUT, o)),
    stringField(NODE_NAME, name),
    stringField(NODE_OP, op),
  ]);
}

/** Re-serialise a node with its input or output list replaced; other fields keep their bytes. */
function rewriteNode(node: NodeView, field: typeof NODE_INPUT | typeof NODE_OUTPUT, values: string[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let written = false;
  for (const f of node.fields) {
    if (f.field === field) {
      if (!written) parts.push(...values.map((v) => stringField(field, v)));
      written = true;
    } else {
      parts.push(f.raw);
    }
  }
  if (!written) parts.push(...values.map((v) => stringField(field, v)));
  return concatBytes(parts);
}

function splitModel(model: Uint8Array) {
  const modelFields = readFields(model);
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH && f.wire === WIRE_LEN);
  if (!graphField) throw new Error('not an ONNX model: no graph found');
  const graphFields = readFields(graphField.payload!);
  const nodes = graphFields.filter((f) => f.field === GRAPH_NODE).map((f) => parseNode(f.payload!));
  const inputs = graphFields
    .filter((f) => f.field === GRAPH_INPUT)
    .map((f) => ({ name: valueInfoName(f.payload!), elemType: valueInfoElemType(f.payload!) }));
  return { modelFields, graphField, graphFields, nodes, inputs, metadata: metadataOf(modelFields) };
}

function metadataOf(modelFields: WireField[]) {
  return modelFields
    .filter((f) => f.field === MODEL_METADATA)
    .map((f) => {
      const kv = readFields(f.payload!);
      const get = (n: number) => decodeString(kv.find((x) => x.field === n)?.payload ?? new Uint8Array());
      return { key: get(1), value: get(2), field: f };
    });
}

/**
 * Where `model` was prepared to steer (its taskmem.steer metadata), or null. Reads only the
 * model's top-level fields: the graph, most of the file, is sliced past, not parsed.
 */
export function readSteerInfo(model: Uint8Array): SteerInfo | null {
  return steerInfoIn(metadataOf(readFields(model)));
}

/**
 * The same from the model file as a stream of chunks (a fetch body): only the metadata is kept,
 * so a large decoder is read through once and never held whole.
 */
export async function readSteerInfoFromStream(chunks: AsyncIterable<Uint8Array>): Promise<SteerInfo | null> {
  return steerInfoIn(metadataOf(await readStreamFields(chunks, (field) => field === MODEL_METADATA)));
}

function steerInfoIn(metadata: ModelParts['metadata']): SteerInfo | null {
  const meta = metadata.find((m) => m.key === STEER_METADATA_KEY);
  return meta ? (JSON.parse(meta.value) as SteerInfo) : null;
}

export function summarizeDecoder(model: Uint8Array): DecoderSummary {
  const { nodes, inputs, metadata } = splitModel(model);
  const layers = nodes.map((n) => n.layer).filter((l): l is number => l !== null);
  return {
    inputs,
    numLayers: layers.length ? Math.max(...layers) + 1 : 0,
    steer: steerInfoIn(metadata),
  };
}

const SKIP_NORM_BIAS_INDEX: Record<string, number> = {
  SkipSimplifiedLayerNormalization: 3,
  SkipLayerNormalization: 4,
};

/**
 * Returns a copy of `model` whose graph takes `steer` added after decoder layer `layer` (0-based):
 * [hiddenSize], or per position where the graph allows it (SteerInfo.perPosition; `perPosition:
 * false` declares the fixed [hiddenSize] shape instead). Throws with a clear message when the graph's layer structure is not recognised.
 */
export function addSteerInput(model: Uint8Array, opts: SteerSite): { model: Uint8Array; info: SteerInfo } {
  return addSteerToParts(splitModel(model), opts);
}

interface SteerSite { layer: number; hiddenSize: number; perPosition?: boolean }
type ModelParts = ReturnType<typeof splitModel>;

function addSteerToParts({ modelFields, graphField, graphFields, nodes, inputs }: ModelParts, opts: SteerSite): { model: Uint8Array; info: SteerInfo } {
  if (inputs.some((i) => i.name === STEER_INPUT)) throw new Error(`the model already has a '${STEER_INPUT}' input`);
  const numLayers = Math.max(-1, ...nodes.map((n) => n.layer ?? -1)) + 1;
  if (numLayers === 0) throw new Error('no decoder layers found (expected node names like /model/layers.N/...)');
  if (!Number.isInteger(opts.layer) || opts.layer < 0 || opts.layer >= numLayers)
    throw new Error(`steer layer ${opts.layer} is outside the decoder's ${numLayers} layers`);

  const embedsType = inputs.find((i) => i.name === 'inputs_embeds')?.elemType;
  const elemType = embedsType ?? ELEM_FLOAT;
  const producer = new Map<string, NodeView>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const L = opts.layer;

  const newNodes: Uint8Array[] = nodes.map((n) => n.raw);
  let info: SteerInfo | null = null;

  // Fused graphs: the sum "layer L output" is computed by layer L+1's skip-norm node.
  const skipNorm = nodes.find(
    (n) => n.layer === L + 1 && n.op in SKIP_NORM_BIAS_INDEX &&
      n.inputs.slice(0, 2).some((t) => producer.get(t)?.layer === L),
  );
  if (skipNorm) {
    const idx = nodes.indexOf(skipNorm);
    const biasAt = SKIP_NORM_BIAS_INDEX[skipNorm.op];
    const ins = [...skipNorm.inputs];
    while (ins.length < biasAt) ins.push('');
    const extra: Uint8Array[] = [];
    if (ins[biasAt]) {
      const combined = `${ins[biasAt]}/with_steer`;
      extra.push(nodeBytes('Add', `/model/layers.${L}/steer/BiasAdd`, [ins[biasAt], STEER_INPUT], [combined]));
      ins[biasAt] = combined;
    } else {
      ins[biasAt] = STEER_INPUT;
    }
    newNodes.splice(idx, 1, ...extra, rewriteNode(skipNorm, NODE_INPUT, ins));
    info = { layer: L, tensor: skipNorm.outputs[3] ?? skipNorm.name, method: 'skip-norm-bias', hiddenSize: opts.hiddenSize, elemType };
  } else {
    const adds = nodes.filter(
      (n) => n.layer === L && n.op === 'Add' &&
        n.outputs.some((o) => nodes.some((c) => c.layer !== L && c.inputs.includes(o))),
    );
    const last = adds.at(-1);
    if (!last) throw new Error(`could not find the residual output of decoder layer ${L}`);
    const tensor = last.outputs[0];
    const unsteered = `${tensor}/unsteered`;
    const idx = nodes.indexOf(last);
    newNodes.splice(
      idx, 1,
      rewriteNode(last, NODE_OUTPUT, [unsteered, ...last.outputs.slice(1)]),
      nodeBytes('Add', `/model/layers.${L}/steer/Add`, [unsteered, STEER_INPUT], [tensor]),
    );
    info = { layer: L, tensor, method: 'add', hiddenSize: opts.hiddenSize, elemType, perPosition: opts.perPosition ?? true };
  }

  const steerInput = info.perPosition ? unshapedValueInfo(STEER_INPUT, elemType) : tensorValueInfo(STEER_INPUT, elemType, [opts.hiddenSize]);
  const graph = rebuildGraph(graphFields, newNodes, (f, i, all) => (i === all.map((g) => g.field).lastIndexOf(GRAPH_INPUT) ? [f.raw, lenField(GRAPH_INPUT, steerInput)] : [f.raw]));
  const modelParts: Uint8Array[] = [];
  for (const f of modelFields) modelParts.push(f === graphField ? lenField(MODEL_GRAPH, graph) : f.raw);
  modelParts.push(steerMetadata(info));
  return { model: concatBytes(modelParts), info };
}

/**
 * The graph's fields with `nodes` in place of its node fields (where the first one was), and every
 * other field as `other` maps it (kept, dropped or followed by more fields).
 */
function rebuildGraph(graphFields: WireField[], nodes: Uint8Array[], other: (f: WireField, i: number, all: WireField[]) => Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let nodesWritten = false;
  graphFields.forEach((f, i) => {
    if (f.field !== GRAPH_NODE) parts.push(...other(f, i, graphFields));
    else if (!nodesWritten) {
      parts.push(...nodes.map((n) => lenField(GRAPH_NODE, n)));
      nodesWritten = true;
    }
  });
  return concatBytes(parts);
}

/**
 * The decoder as it was before `addSteerInput`: the steer nodes taken out, the renamed residual
 * output or the skip-norm bias restored, and the input and its metadata dropped. Preparing the
 * result at another layer moves the steer there.
 */
export function removeSteerInput(model: Uint8Array): Uint8Array {
  const { modelFields, graphField, graphFields, nodes } = withoutSteer(splitModel(model));
  const graph = rebuildGraph(graphFields, nodes.map((n) => n.raw), (f) => [f.raw]);
  return concatBytes(modelFields.map((f) => (f === graphField ? lenField(MODEL_GRAPH, graph) : f.raw)));
}

/**
 * The parts of a prepared decoder with its steer taken out, without serialising the model (a
 * real decoder is gigabytes), so a move can add the steer elsewhere from them directly. The node
 * fields left in `graphFields` only mark where the nodes go (rebuildGraph writes `nodes` there).
 */
function withoutSteer({ modelFields, graphField, graphFields, nodes, inputs, metadata }: ModelParts): ModelParts {
  const meta = metadata.find((m) => m.key === STEER_METADATA_KEY);
  if (!meta) throw new Error(`the model has no '${STEER_INPUT}' input to remove`);
  const steerNodes = nodes.filter((n) => n.op === 'Add' && /\/steer\/(Bias)?Add$/.test(n.name) && n.inputs.includes(STEER_INPUT));
  const kept: NodeView[] = [];
  for (const n of nodes) {
    if (steerNodes.includes(n)) continue;
    // Unfused: the steer Add's input was the layer's residual output, renamed; give it its name back.
    const renamed = steerNodes.find((a) => a.name.endsWith('/steer/Add') && n.outputs.includes(a.inputs[0]!));
    if (renamed) {
      kept.push(parseNode(rewriteNode(n, NODE_OUTPUT, n.outputs.map((o) => (o === renamed.inputs[0] ? renamed.outputs[0]! : o)))));
      continue;
    }
    // Fused: the skip-norm bias was the steer input itself, or the model's bias plus it.
    const biasAdd = steerNodes.find((a) => a.name.endsWith('/steer/BiasAdd') && n.inputs.includes(a.outputs[0]!));
    if (n.inputs.includes(STEER_INPUT) || biasAdd) {
      const ins = n.inputs.map((i) => (i === STEER_INPUT ? '' : biasAdd && i === biasAdd.outputs[0] ? biasAdd.inputs[0]! : i));
      while (ins.length && ins[ins.length - 1] === '') ins.pop();
      kept.push(parseNode(rewriteNode(n, NODE_INPUT, ins)));
      continue;
    }
    kept.push(n);
  }
  return {
    modelFields: modelFields.filter((f) => f !== meta.field),
    graphField,
    graphFields: graphFields.filter((f) => !(f.field === GRAPH_INPUT && valueInfoName(f.payload!) === STEER_INPUT)),
    nodes: kept,
    inputs: inputs.filter((i) => i.name !== STEER_INPUT),
    metadata: metadata.filter((m) => m !== meta),
  };
}

/** The model metadata entry that records where and how the steer input was added. */
function steerMetadata(info: SteerInfo): Uint8Array {
  return lenField(MODEL_METADATA, concatBytes([stringField(1, STEER_METADATA_KEY), stringField(2, JSON.stringify(info))]));
}

/**
 * Upgrades a decoder prepared before per-position steering: an `add`-method steer input declared
 * [hiddenSize] is re-declared without a shape, and its metadata says so. Returns null when there
 * is nothing to do (already per-position, or a skip-norm bias, which cannot take positions).
 */
export function allowPerPositionSteer(model: Uint8Array): Uint8Array | null {
  return upgradeParts(splitModel(model));
}

function upgradeParts({ modelFields, graphField, graphFields, metadata }: ModelParts): Uint8Array | null {
  const meta = metadata.find((m) => m.key === STEER_METADATA_KEY);
  if (!meta) throw new Error(`the model has no '${STEER_INPUT}' input to upgrade`);
  const info = JSON.parse(meta.value) as SteerInfo;
  if (info.perPosition || info.method !== 'add') return null;
  const graph = concatBytes(graphFields.map((f) =>
    f.field === GRAPH_INPUT && valueInfoName(f.payload!) === STEER_INPUT ? lenField(GRAPH_INPUT, unshapedValueInfo(STEER_INPUT, info.elemType)) : f.raw));
  const parts = modelFields
    .filter((f) => f !== meta.field)
    .map((f) => (f === graphField ? lenField(MODEL_GRAPH, graph) : f.raw));
  parts.push(steerMetadata({ ...info, perPosition: true }));
  return concatBytes(parts);
}

/**
 * What `npm run prepare-steer` does to one decoder file, reading it once (a real decoder is
 * gigabytes): adds the steer input, upgrades one declared [hiddenSize] to take positions, or
 * leaves a prepared one alone (`model` is then absent). With `move`, a decoder prepared at
 * another layer has its steer moved to `site.layer` instead of being left there.
 */
export function prepareDecoder(model: Uint8Array, site: SteerSite, opts: { move?: boolean } = {}): { status: 'patched' | 'upgraded' | 'moved' | 'already-prepared'; model?: Uint8Array; info?: SteerInfo } {
  const parts = splitModel(model);
  if (parts.inputs.some((i) => i.name === STEER_INPUT)) {
    const layer = steerInfoIn(parts.metadata)?.layer;
    if (opts.move && layer !== site.layer) return { status: 'moved', ...addSteerToParts(withoutSteer(parts), site) };
    const upgraded = upgradeParts(parts);
    return upgraded ? { status: 'upgraded', model: upgraded } : { status: 'already-prepared' };
  }
  const added = addSteerToParts(parts, site);
  return { status: 'patched', ...added };
}

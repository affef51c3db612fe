/**
 * models:fetch against a loopback HTTP server laid out like the hub (the real hub is unreachable
 * here): downloads, skips what is present, refuses a missing required file without leaving partial
 * files, and prepares the decoder's steer input.
 */
import { createServer, type Server } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel } from '../../scripts/models-fetch';
import { summarizeDecoder } from '../../src/adapter/steer-graph';
import type { ModelSpec } from '../../src/memorize/registry';

const ID = 'test-org/tiny-vl';
let hub: string;
let root: string;
let server: Server;
let host: string;
const served: string[] = [];

const spec: ModelSpec = {
  id: ID, label: 'test', family: 'qwen3_vl', source: 'hub', frame: { width: 32, height: 32, perClip: 2, framesPerImage: 1 },
  steer: { layer: 0, hiddenSize: 4 }, dtypes: ['fp32'], defaultDtype: 'fp32', steerPrepared: false,
  answer: { contextLines: 64 },
};

beforeAll(async () => {
  hub = mkdtempSync(join(tmpdir(), 'taskmem-hub-'));
  root = mkdtempSync(join(tmpdir(), 'taskmem-models-'));
  const repo = join(hub, ID, 'resolve', 'main');
  mkdirSync(join(repo, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'])
    writeFileSync(join(repo, f), JSON.stringify({ file: f, text_config: { hidden_size: 4, num_hidden_layers: 2 } }));
  for (const m of ['embed_tokens', 'vision_encoder', 'decoder_model_merged'])
    copyFileSync(new URL('../fixtures/fused-skipnorm.onnx', import.meta.url), join(repo, 'onnx', `${m}.onnx`));
  server = createServer((req, res) => {
    const file = join(hub, decodeURIComponent(req.url!.split('?')[0]));
    if (!file.startsWith(hub) || !existsSync(file)) return res.writeHead(404).end();
    served.push(req.url!);
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server?.close();
  rmSync(hub, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('models:fetch', () => {
  it('downloads the model files and adds the steer input to the decoder', async () => {
    const dir = await fetchModel({ spec, host, modelsRoot: root, log: () => {} });
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['decoder_model_merged.onnx', 'embed_tokens.onnx', 'vision_encoder.onnx']);
    expect(existsSync(join(dir, 'generation_config.json'))).toBe(true);
    const summary = summarizeDecoder(readFileSync(join(dir, 'onnx', 'decoder_model_merged.onnx')));
    expect(summary.inputs.map((i) => i.name)).toContain('steer');
    expect(summary.steer).toMatchObject({ layer: 0, hiddenSize: 4 });
  });

  it('skips files already present and leaves a prepared decoder alone on a second run', async () => {
    served.length = 0;
    const lines: string[] = [];
    await fetchModel({ spec, host, modelsRoot: root, log: (l) => lines.push(l) });
    expect(served.filter((u) => u.endsWith('.onnx'))).toEqual([]);
    expect(lines).toContain('decoder_model_merged.onnx: steer already-prepared');
  });

  it('fails clearly on a missing required file and leaves no partial download', async () => {
    const missing = { ...spec, id: 'test-org/absent' };
    await expect(fetchModel({ spec: missing, host, modelsRoot: root, log: () => {} })).rejects.toThrow(/config\.json: HTTP 404/);
    expect(existsSync(join(root, 'test-org/absent/config.json.part'))).toBe(false);
  });

  it('stops when the registry disagrees with the downloaded config.json', async () => {
    const wrong = { ...spec, steer: { layer: 0, hiddenSize: 8 } };
    await expect(fetchModel({ spec: wrong, host, modelsRoot: root, log: () => {} })).rejects.toThrow(/registry says hidden size 8.*config\.json has hidden size 4/);
    const tooDeep = { ...spec, steer: { layer: 2, hiddenSize: 4 } };
    await expect(fetchModel({ spec: tooDeep, host, modelsRoot: root, log: () => {} })).rejects.toThrow(/steer layer 2.*2 layers/);
  });
});

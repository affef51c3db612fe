/**
 * Downloads a registered hub model into models/ for self-hosting and offline use, then prepares
 * its decoder's steer input.
 *
 *   npm run models:fetch -- MODEL_ID [--dtype q4f16] [--host https://huggingface.co]
 *
 * Files: config, generation config, processor and tokenizer files, and the three ONNX sub-models
 * for the chosen dtype (with their external-data files when the hub has them). Downloads are
 * streamed to a .part file and renamed when complete, so an interrupted fetch never leaves a
 * truncated model behind; files already present are skipped.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getModelSpec, type Dtype, type ModelSpec } from '../src/memorize/registry';
import { MODELS_ROOT } from './lib/node-models';
import { prepareModelDir } from './prepare-steer';

const SUFFIX: Record<Dtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', q4: '_q4', q4f16: '_q4f16' };
const REQUIRED = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL = ['generation_config.json', 'chat_template.jinja', 'chat_template.json', 'processor_config.json', 'video_preprocessor_config.json'];
const SUBMODELS = ['embed_tokens', 'vision_encoder', 'decoder_model_merged'];

export function filesFor(dtype: Dtype): { required: string[]; optional: string[] } {
  const onnx = SUBMODELS.map((m) => `onnx/${m}${SUFFIX[dtype]}.onnx`);
  return { required: [...REQUIRED, ...onnx], optional: [...OPTIONAL, ...onnx.map((f) => `${f}_data`)] };
}

async function download(url: string, dest: string, required: boolean): Promise<'fetched' | 'skipped' | 'absent'> {
  if (existsSync(dest) && statSync(dest).size > 0) return 'skipped';
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`cannot reach ${new URL(url).host} (${(e as Error).message}); models:fetch needs the network once, then the model works offline`);
  }
  if (res.status === 404 && !required) return 'absent';
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const total = Number(res.headers.get('content-length') ?? 0);
  let seen = 0;
  let lastReport = 0;
  const body = Readable.fromWeb(res.body as never);
  body.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (Date.now() - lastReport > 1000) {
      lastReport = Date.now();
      process.stderr.write(`\r  ${dest.split('/').slice(-2).join('/')}: ${(seen / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB`);
    }
  });
  try {
    await pipeline(body, createWriteStream(part));
  } catch (e) {
    rmSync(part, { force: true });
    throw e;
  }
  renameSync(part, dest);
  process.stderr.write('\n');
  return 'fetched';
}

export interface FetchOptions {
  spec: ModelSpec;
  dtype?: Dtype;
  host?: string;
  modelsRoot?: string;
  log?: (line: string) => void;
}

/**
 * The registry's steer settings were written from model cards; the downloaded config.json is the
 * truth. A mismatch would give every adapter the wrong length, so it stops the fetch.
 */
export function checkRegistryAgainstConfig(spec: ModelSpec, dir: string) {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const text = config.text_config ?? config;
  const hidden = text.hidden_size;
  const layers = text.num_hidden_layers;
  if (hidden !== spec.steer.hiddenSize || !(spec.steer.layer < layers))
    throw new Error(
      `${spec.id}: the registry says hidden size ${spec.steer.hiddenSize} and steer layer ${spec.steer.layer}, ` +
        `but its config.json has hidden size ${hidden} and ${layers} layers; fix src/memorize/registry.ts`,
    );
}

/** Downloads the model's files and prepares its steer input; returns the model folder. */
export async function fetchModel({ spec, dtype = spec.defaultDtype, host = 'https://huggingface.co', modelsRoot = MODELS_ROOT, log = console.log }: FetchOptions): Promise<string> {
  if (spec.source === 'local') {
    log(`${spec.id} is built in (models/${spec.id}); nothing to fetch`);
    return join(modelsRoot, spec.id);
  }
  if (!spec.dtypes.includes(dtype)) throw new Error(`${spec.id} is offered as ${spec.dtypes.join(', ')}, not ${dtype}`);
  const dir = join(modelsRoot, spec.id);
  const { required, optional } = filesFor(dtype);
  for (const [files, isRequired] of [[required, true], [optional, false]] as const)
    for (const f of files) {
      const r = await download(`${host}/${spec.id}/resolve/main/${f}`, join(dir, f), isRequired);
      if (r !== 'absent') log(`${f}: ${r}`);
    }
  checkRegistryAgainstConfig(spec, dir);
  for (const r of prepareModelDir(dir, { layer: spec.steer.layer, hidden: spec.steer.hiddenSize }))
    log(`${r.file}: steer ${r.status}${r.tensor ? ` after ${r.tensor} (${r.method})` : ''}`);
  log(`ready: ${dir} (${dtype}); the app serves it from /models/ and works offline`);
  return dir;
}

async function main() {
  const args = process.argv.slice(2);
  const id = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const flag = (n: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : undefined);
  if (!id) {
    console.error('usage: npm run models:fetch -- MODEL_ID [--dtype DTYPE] [--host URL]');
    process.exit(2);
  }
  await fetchModel({ spec: getModelSpec(id), dtype: flag('dtype') as Dtype | undefined, host: flag('host') });
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(`models:fetch: ${(e as Error).message}`);
    process.exit(1);
  });

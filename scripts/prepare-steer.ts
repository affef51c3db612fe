/**
 * Prepares a downloaded or generated model folder for TaskMem's adapter: gives its decoder ONNX
 * files a `steer` input added after decoder layer L (graph surgery, see src/adapter/steer-graph.ts).
 *
 *   npm run prepare-steer -- MODEL_DIR [--layer L] [--hidden H]
 *
 * Layer and hidden size default to the model's config.json (middle layer, text hidden size).
 * Every onnx/decoder_model_merged*.onnx variant (fp32, fp16, q4, ...) is patched in place; files
 * that already have the input are left alone, except that an input prepared with the fixed
 * [hidden] shape is re-declared to take a vector per position, and that `--layer L` moves an input
 * prepared after another layer to layer L; the command is safe to re-run.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDecoder } from '../src/adapter/steer-graph';

export interface PrepareResult {
  file: string;
  status: 'patched' | 'upgraded' | 'moved' | 'already-prepared';
  tensor?: string;
  method?: string;
}

export function prepareModelDir(dir: string, opts: { layer?: number; hidden?: number } = {}): PrepareResult[] {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${dir} has no config.json: not a model folder`);
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  const text = config.text_config ?? config;
  const hidden = opts.hidden ?? text.hidden_size;
  const layers = text.num_hidden_layers;
  const layer = opts.layer ?? Math.floor((layers - 1) / 2);
  if (!hidden) throw new Error('hidden size unknown: pass --hidden');
  const onnxDir = join(dir, 'onnx');
  const files = readdirSync(onnxDir).filter((f) => /^decoder_model_merged.*\.onnx$/.test(f));
  if (!files.length) throw new Error(`no onnx/decoder_model_merged*.onnx in ${dir}`);
  return files.map((f) => {
    const path = join(onnxDir, f);
    // One that was prepared before the input took positions is re-declared, keeping everything else.
    // A layer asked for by name moves a steer prepared elsewhere; the default never moves one.
    const { status, model, info } = prepareDecoder(readFileSync(path), { layer, hiddenSize: hidden }, { move: opts.layer !== undefined });
    if (model) writeFileSync(path, model);
    return { file: f, status, tensor: info?.tensor, method: info?.method };
  });
}

function main() {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!dir) {
    console.error('usage: npm run prepare-steer -- MODEL_DIR [--layer L] [--hidden H]');
    process.exit(2);
  }
  try {
    for (const r of prepareModelDir(dir, { layer: flag('layer'), hidden: flag('hidden') }))
      console.log(`${r.file}: ${r.status}${r.tensor ? ` (steer ${r.status === 'moved' ? 'moved' : 'added'} to ${r.tensor} by ${r.method})` : ''}`);
  } catch (e) {
    console.error(`prepare-steer: ${(e as Error).message}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();

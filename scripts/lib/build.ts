/**
 * The production builds (`npm run build`, `npm run build:widget`, and the browser tests): Vite's
 * build of the pages (vite.config.ts), then the widget module, a single self-contained ES module
 * at the root of the same folder (next to embed.html, which it frames), and the gzip sizes of what
 * a visitor downloads before starting a stream.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type LogLevel } from 'vite';
import { WIDGET_MODULE_PATH } from './security-headers';

export type BuildMode = 'app' | 'widget';

export interface BuildOptions {
  outDir: string;
  /** 'app': app page + embed page + service worker; 'widget': embed page only. */
  mode?: BuildMode;
  /** Replaces the build id shown in the app's footer (tests tell versions apart by it). */
  buildId?: string;
  logLevel?: LogLevel;
}

export async function buildAgent({ outDir, mode = 'app', buildId, logLevel = 'warn' }: BuildOptions): Promise<void> {
  await build({
    configFile: 'vite.config.ts',
    mode: mode === 'widget' ? 'widget' : 'production',
    logLevel,
    build: { outDir, emptyOutDir: true },
    ...(buildId ? { define: { __TASKMEM_BUILD_ID__: JSON.stringify(buildId) } } : {}),
  });
  await buildWidgetModule(outDir, logLevel);
}

/** The file host pages import: no dependencies and no chunks, so one URL is all a host needs. */
async function buildWidgetModule(outDir: string, logLevel: LogLevel) {
  await build({
    configFile: false,
    logLevel,
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      minify: true,
      copyPublicDir: false,
      lib: { entry: resolve('src/widget/taskmem-widget.ts'), formats: ['es'], fileName: () => WIDGET_MODULE_PATH.slice(1) },
      // Library mode keeps whitespace in ES output by default; this file is only ever loaded as is.
      rollupOptions: { output: { minify: true } },
    },
  });
}

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  assets?: string[];
}

/** Chunks loaded only when a model is loaded: the inference worker and ONNX Runtime. */
const HEAVY = /inference\.worker|ort-wasm|onnxruntime|transformers/;

export interface SizeEntry {
  label: string;
  files: string[];
  bytes: number;
  gzipBytes: number;
}

function measure(outDir: string, label: string, files: string[]): SizeEntry {
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const data = readFileSync(join(outDir, f));
    bytes += data.length;
    gzipBytes += gzipSync(data, { level: 9 }).length;
  }
  return { label, files, bytes, gzipBytes };
}

/**
 * A page's shell: its HTML, entry chunk, every chunk it imports statically or dynamically (the
 * service worker's registration helper is imported at startup), and their CSS, leaving out the
 * inference worker and ONNX Runtime, which load when a stream starts or a question is asked.
 */
function shellFiles(manifest: Record<string, ManifestChunk>, page: string): string[] {
  const files = new Set<string>([page]);
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file) || HEAVY.test(chunk.file)) return;
    files.add(chunk.file);
    chunk.css?.forEach((c) => files.add(c));
    [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])].forEach(visit);
  };
  visit(page);
  return [...files];
}

export function measureBuild(outDir: string): SizeEntry[] {
  const manifest = JSON.parse(readFileSync(join(outDir, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const sizes: SizeEntry[] = [];
  if (manifest['index.html']) sizes.push(measure(outDir, 'app shell (index.html + JS + CSS, before any stream)', shellFiles(manifest, 'index.html')));
  sizes.push(measure(outDir, 'embed page shell (embed.html + JS + CSS, in the widget frame)', shellFiles(manifest, 'embed.html')));
  sizes.push(measure(outDir, 'widget module (taskmem-agent.js, imported by host pages)', [WIDGET_MODULE_PATH.slice(1)]));
  const worker = Object.values(manifest).flatMap((c) => [c.file, ...(c.assets ?? [])]).filter((f) => /inference\.worker.*\.js$/.test(f));
  const ortGlue = 'ort/ort-wasm-simd-threaded.asyncify.mjs';
  const onDemand = [...new Set(worker), ...(existsSync(join(outDir, ortGlue)) ? [ortGlue] : [])];
  if (onDemand.length) sizes.push(measure(outDir, 'on first model use: inference worker + ORT loader JS (wasm and model files not counted)', onDemand));
  return sizes;
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

export function formatSizes(sizes: SizeEntry[], outDir: string): string {
  const wasm = join(outDir, 'ort/ort-wasm-simd-threaded.asyncify.wasm');
  const lines = sizes.map((s) => `  ${kB(s.gzipBytes).padStart(9)} gzip  ${kB(s.bytes).padStart(9)} raw  ${s.label}\n${s.files.map((f) => `               ${f}`).join('\n')}`);
  if (existsSync(wasm)) lines.push(`  ${kB(statSync(wasm).size).padStart(9)} raw        ORT wasm, fetched when a model loads (not gzip-measured)`);
  return `Sizes in ${outDir} (gzip -9):\n${lines.join('\n')}`;
}

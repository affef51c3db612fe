import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { createReadStream, existsSync, statSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, resolve, extname } from 'node:path';

const ORT_DIST = resolve('node_modules/onnxruntime-web/dist');
// transformers.js loads the asyncify build for both its WebGPU and WASM backends.
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
// TASKMEM_MODELS_DIR serves another model folder (e.g. a bigger self-hosted set) without copying it.
const MODELS_DIR = resolve(process.env.TASKMEM_MODELS_DIR ?? 'models');

const TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.jinja': 'text/plain',
  '.md': 'text/plain',
};

/** Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer). */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function copyTree(from: string, to: string) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const src = join(from, entry.name);
    if (entry.isDirectory()) copyTree(src, join(to, entry.name));
    else copyFileSync(src, join(to, entry.name));
  }
}

/**
 * Serves the ONNX Runtime wasm files and the local model folder at /ort/ and /models/ in dev, and
 * copies them into the build, so the app never reaches a CDN (offline use, strict CSP).
 */
function localAssets(): Plugin {
  let outDir = 'dist';
  const serve = (url: string | undefined): string | null => {
    if (!url) return null;
    const path = decodeURIComponent(url.split('?')[0]);
    if (path.startsWith('/ort/')) {
      const name = path.slice(5);
      return ORT_FILES.includes(name) ? join(ORT_DIST, name) : null;
    }
    if (path.startsWith('/models/')) {
      const file = resolve(MODELS_DIR, '.' + path.slice(7));
      return file.startsWith(MODELS_DIR) && existsSync(file) && statSync(file).isFile() ? file : null;
    }
    return null;
  };
  const middleware = (req: { url?: string }, res: import('node:http').ServerResponse, next: () => void) => {
    const file = serve(req.url);
    if (!file) return next();
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
  return {
    name: 'taskmem-local-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    // writeBundle, not closeBundle: the service worker's precache list is made in closeBundle and
    // must see these files.
    writeBundle() {
      mkdirSync(join(outDir, 'ort'), { recursive: true });
      for (const f of ORT_FILES) copyFileSync(join(ORT_DIST, f), join(outDir, 'ort', f));
      if (existsSync(MODELS_DIR)) copyTree(MODELS_DIR, join(outDir, 'models'));
    },
  };
}

/**
 * The installable, offline app (Workbox through vite-plugin-pwa): the app shell, ONNX Runtime's
 * wasm and the fixture model are precached, so the demo runs with no network after one visit;
 * model files from the Hugging Face hub are cached as they are first fetched. A new version waits
 * until the user accepts it (registerType 'prompt', see src/pwa.ts).
 */
const pwa = VitePWA({
  registerType: 'prompt',
  injectRegister: false,
  includeAssets: ['favicon.svg'],
  manifest: {
    name: 'TaskMem Web',
    short_name: 'TaskMem',
    description: 'Watches a stream you choose, remembers what happens and answers from memory, on this device.',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: '#0f1215',
    theme_color: '#1e2228',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
      { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    globPatterns: ['**/*.{js,mjs,css,html,svg,png,wasm,json,onnx,jinja}'],
    // The worker bundle carries a copy of ORT's wasm that is never fetched (wasmPaths points at
    // /ort/, see src/memorize/browser-env.ts); precaching it would download 27 MB twice.
    globIgnores: ['assets/ort-wasm-*'],
    // ONNX Runtime's wasm is ~20 MB and the fixture's decoder a few MB.
    maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    navigateFallback: '/index.html',
    runtimeCaching: [
      {
        urlPattern: ({ url }) => url.hostname === 'huggingface.co' || url.hostname.endsWith('.hf.co'),
        handler: 'CacheFirst',
        options: { cacheName: 'taskmem-hub-models', cacheableResponse: { statuses: [0, 200] }, rangeRequests: true },
      },
    ],
  },
});

export default defineConfig({
  plugins: [localAssets(), pwa],
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web'] },
});

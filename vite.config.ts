import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { createReadStream, existsSync, statSync, readdirSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { join, resolve, extname } from 'node:path';
import { BASE_HEADERS, WIDGET_MODULE_PATH, securityHeadersMiddleware } from './scripts/lib/security-headers';

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

/** Shown in the app's footer; a new id in a new build is how the update test tells versions apart. */
const BUILD_ID = process.env.TASKMEM_BUILD_ID ?? `${JSON.parse(readFileSync('package.json', 'utf8')).version}+${new Date().toISOString().slice(0, 16)}Z`;

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
 * The strict CSP, isolation and embedding headers of scripts/lib/security-headers.ts on every
 * response in dev and preview, whichever middleware produces it. In dev the widget module's
 * public URL serves its source, so host pages import the same URL in dev and in a build.
 */
function securityHeaders(): Plugin {
  const widgetSource = (req: { url?: string }, _res: unknown, next: () => void) => {
    if (req.url?.split('?')[0] === WIDGET_MODULE_PATH) req.url = '/src/widget/taskmem-widget.ts';
    next();
  };
  return {
    name: 'taskmem-security-headers',
    configureServer(server) {
      server.middlewares.use(securityHeadersMiddleware());
      server.middlewares.use(widgetSource);
    },
    configurePreviewServer(server) {
      server.middlewares.use(securityHeadersMiddleware());
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

/**
 * Two builds from one config: the app (default mode: the app page, the embed page, service worker)
 * into dist/, and `--mode widget`: only the embed page and what it loads, into dist-widget/, a
 * folder that serves the widget for other sites. scripts/build.ts adds the widget module to both.
 */
export default defineConfig(({ mode }) => {
  const widgetOnly = mode === 'widget';
  const pages: Record<string, string> = widgetOnly ? { embed: resolve('embed.html') } : { index: resolve('index.html'), embed: resolve('embed.html') };
  return {
    plugins: [securityHeaders(), localAssets(), ...(widgetOnly ? [] : [pwa])],
    define: { __TASKMEM_BUILD_ID__: JSON.stringify(BUILD_ID) },
    server: { headers: BASE_HEADERS, host: '127.0.0.1' },
    preview: { headers: BASE_HEADERS, host: '127.0.0.1' },
    worker: { format: 'es' },
    // The widget build has no app page and no icons to copy.
    publicDir: widgetOnly ? false : 'public',
    build: {
      target: 'es2022',
      chunkSizeWarningLimit: 4096,
      outDir: widgetOnly ? 'dist-widget' : 'dist',
      // Lists each page's entry chunk, imports and CSS: scripts/lib/build.ts measures the shell from it.
      manifest: true,
      rollupOptions: { input: pages },
    },
    optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web'] },
  };
});

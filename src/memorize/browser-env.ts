/**
 * Browser setup for transformers.js: models from our own /models/ folder first (offline, the
 * fixture), the hub for real checkpoints; ONNX Runtime's wasm from our own /ort/ path, never a CDN.
 */
import { env } from '@huggingface/transformers';

export function configureBrowserRuntime(base = self.location.origin) {
  // A path, not a URL: transformers.js 4.3 skips its local lookup (file metadata) for http(s)
  // local paths and would go to the hub instead.
  env.localModelPath = new URL('/models/', base).pathname;
  env.allowLocalModels = true;
  env.allowRemoteModels = true;
  // Otherwise transformers.js fetches ORT's .mjs itself and imports it from a blob: URL, which a
  // strict CSP (script-src 'self') refuses; the service worker caches these files anyway.
  env.useWasmCache = false;
  const wasm = env.backends.onnx.wasm as { wasmPaths?: unknown; numThreads?: number };
  if (wasm) {
    wasm.wasmPaths = {
      mjs: `${base}/ort/ort-wasm-simd-threaded.asyncify.mjs`,
      wasm: `${base}/ort/ort-wasm-simd-threaded.asyncify.wasm`,
    };
    // Threads need cross-origin isolation; without it ORT would warn and fall back anyway.
    wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  }
}

export async function pickDevice(pref: 'auto' | 'webgpu' | 'wasm'): Promise<{ device: 'webgpu' | 'wasm'; notice?: string }> {
  if (pref === 'wasm') return { device: 'wasm' };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  if (adapter) return { device: 'webgpu' };
  return {
    device: 'wasm',
    notice: gpu
      ? 'WebGPU is present but no GPU adapter is available; running on the CPU (WASM), which is slower.'
      : 'This browser has no WebGPU; running on the CPU (WASM), which is slower.',
  };
}

/** The browser tests launch Chromium the same way the browser benchmarks do. */
export { BASE_FLAGS, WEBGPU_FLAGS, STORAGE_PARTITIONING_FLAGS, chromiumPath, fakeCameraFlags, launchChromium, startDevServer, startPreviewServer } from '../../scripts/lib/chromium';

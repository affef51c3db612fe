/**
 * npm run build          -> dist/: the app (page, service worker), the embed page and the widget module
 * npm run build:widget   -> dist-widget/: only what other sites need to embed the agent (embed page,
 *                           widget module, ONNX Runtime, models), no app page or service worker
 * Prints the gzip size of each page's shell and of the widget module.
 */
import { resolve } from 'node:path';
import { buildAgent, formatSizes, measureBuild } from './lib/build';

const widget = process.argv.includes('--widget');
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : widget ? 'dist-widget' : 'dist');

await buildAgent({ outDir, mode: widget ? 'widget' : 'app', logLevel: 'info' });
console.log(`\n${formatSizes(measureBuild(outDir), outDir)}`);
